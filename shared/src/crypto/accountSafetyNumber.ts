import type { Sodium } from './Sodium.js';
import { CryptoError } from './CryptoError.js';
import { ByteWriter, concatBytes, equalBytes } from './bytes.js';
import { deriveKey } from './deriveKey.js';
import {
  ACCOUNT_SAFETY_NUMBER_QR_VERSION,
  ACCOUNT_SAFETY_NUMBER_VERSION,
  LABELS,
  MAX_HANDLE_BYTES,
  SAFETY_NUMBER_ITERATIONS,
  SIZES,
} from './labels.js';
import { canonicalHandle, ID_CHARACTERS, idBytes, writeId } from './accountKeyFields.js';

/** One account as its safety number sees it: its handle and its account key (§1.15.1). */
export interface AccountKeyIdentity {
  readonly handle: string;
  readonly accountPublicKey: Uint8Array;
}

export interface AccountSafetyNumber {
  /** 60 decimal digits: the two accounts' 30-digit halves, the smaller fingerprint first. */
  readonly digits: string;
  /** u8(2) ‖ smaller fingerprint (32) ‖ larger fingerprint (32): 65 bytes for the QR code. */
  readonly qrPayload: Uint8Array;
}

const FINGERPRINT_BYTES = 32;
const QR_PAYLOAD_BYTES = 1 + 2 * FINGERPRINT_BYTES;

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const diff = (a[i] ?? 0) - (b[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return a.length - b.length;
}

/**
 * PROTOCOL.md §1.15.4, the §1.10 construction over one account key instead of a device set:
 *   h0 = KDF(account-safety-number, none, u16(1) ‖ AK ‖ u8(len) ‖ handle, 64)
 *   h_i = KDF(account-safety-number, none, h_{i−1} ‖ AK, 64), i = 1..5200;  fp = h_5200[0..32]
 */
function fingerprint(sodium: Sodium, account: AccountKeyIdentity): Uint8Array {
  const key = account.accountPublicKey;
  if (key.length !== SIZES.ed25519PublicKey) {
    throw new CryptoError('MALFORMED', 'account key has the wrong length');
  }
  const handle = idBytes(
    canonicalHandle(account.handle),
    'handle',
    MAX_HANDLE_BYTES,
    ID_CHARACTERS.handle,
  );
  const input = writeId(
    new ByteWriter().u16(ACCOUNT_SAFETY_NUMBER_VERSION).bytes(key),
    handle,
  ).finish();
  let hash = deriveKey(sodium, LABELS.accountSafetyNumber, null, input, 64);
  for (let i = 0; i < SAFETY_NUMBER_ITERATIONS; i++) {
    hash = deriveKey(sodium, LABELS.accountSafetyNumber, null, concatBytes(hash, key), 64);
  }
  return hash.slice(0, FINGERPRINT_BYTES);
}

/** Six groups of five digits from the first 30 bytes (Signal's encoding, as §1.10). */
function digitsOf(fp: Uint8Array): string {
  let out = '';
  for (let i = 0; i < 30; i += 5) {
    let value = 0;
    for (let j = 0; j < 5; j++) value = value * 256 + (fp[i + j] ?? 0);
    out += String(value % 100000).padStart(5, '0');
  }
  return out;
}

/**
 * The safety number of two accounts from their account keys (PROTOCOL.md §1.15.4): the same from
 * both sides, unchanged when either account adds or removes a device, different as soon as
 * either account key or handle differs. Supersedes `computeSafetyNumber` (§1.10).
 */
export function computeAccountSafetyNumber(
  sodium: Sodium,
  local: AccountKeyIdentity,
  remote: AccountKeyIdentity,
): AccountSafetyNumber {
  const a = fingerprint(sodium, local);
  const b = fingerprint(sodium, remote);
  const [first, second] = compareBytes(a, b) <= 0 ? [a, b] : [b, a];
  return {
    digits: digitsOf(first) + digitsOf(second),
    qrPayload: concatBytes(Uint8Array.of(ACCOUNT_SAFETY_NUMBER_QR_VERSION), first, second),
  };
}

/**
 * Compares a scanned QR payload with ours in constant time. A payload of the superseded device-set
 * format (first byte 0x01, §1.10) or of an unknown version is UNSUPPORTED_VERSION, so the app can
 * say "this code comes from an older version of VaultRoom" rather than "the numbers differ";
 * a payload of the wrong length is MALFORMED. Otherwise true exactly when the payloads match.
 */
export function verifyAccountSafetyNumberQr(
  ours: AccountSafetyNumber,
  scanned: Uint8Array,
): boolean {
  const version = scanned[0];
  if (version === undefined) throw new CryptoError('MALFORMED', 'safety-number code is empty');
  if (version !== ACCOUNT_SAFETY_NUMBER_QR_VERSION) {
    throw new CryptoError(
      'UNSUPPORTED_VERSION',
      `safety-number code has version ${version}, expected ${ACCOUNT_SAFETY_NUMBER_QR_VERSION}`,
    );
  }
  if (scanned.length !== QR_PAYLOAD_BYTES) {
    throw new CryptoError('MALFORMED', `safety-number code is not ${QR_PAYLOAD_BYTES} bytes`);
  }
  return equalBytes(ours.qrPayload, scanned);
}
