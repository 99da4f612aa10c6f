import type { Sodium } from './Sodium.js';
import { combineFingerprints, stretchFingerprint } from './safetyNumberParts.js';
import { CryptoError } from './CryptoError.js';
import { ByteWriter, equalBytes } from './bytes.js';
import {
  ACCOUNT_SAFETY_NUMBER_QR_VERSION,
  ACCOUNT_SAFETY_NUMBER_VERSION,
  LABELS,
  MAX_HANDLE_BYTES,
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
  return stretchFingerprint(sodium, LABELS.accountSafetyNumber, input, key, FINGERPRINT_BYTES);
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
  return combineFingerprints(ACCOUNT_SAFETY_NUMBER_QR_VERSION, a, b);
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
