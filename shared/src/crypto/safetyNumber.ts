import type { Sodium } from './Sodium.js';
import { combineFingerprints, compareBytes, stretchFingerprint } from './safetyNumberParts.js';
import { CryptoError } from './CryptoError.js';
import { ByteWriter, concatBytes, equalBytes, utf8 } from './bytes.js';
import { LABELS, SAFETY_NUMBER_QR_VERSION, SAFETY_NUMBER_VERSION, SIZES } from './labels.js';

/** One account as the safety number sees it: a stable account id and its devices' identity keys. */
export interface AccountIdentity {
  readonly accountId: string;
  /** Ed25519 identity keys of all the account's devices, in any order. */
  readonly identityKeys: readonly Uint8Array[];
}

export interface SafetyNumber {
  /** 60 decimal digits: the two accounts' 30-digit halves, the smaller first. */
  readonly digits: string;
  /** Bytes for the QR code: version || smaller fingerprint || larger fingerprint (65 bytes). */
  readonly qrPayload: Uint8Array;
}

/**
 * PROTOCOL.md §1.10.1, after Signal's NumericFingerprintGenerator with BLAKE2b-512:
 *   keys = sorted identity keys; input = u16(version) || u16(count) || keys || utf8(accountId)
 *   h = KDF(safety-number, none, input, 64); repeat ITERATIONS times: h = KDF(…, h || keys, 64)
 * The iterations make finding a second key set with the same 30 digits ~2^12 times costlier.
 */
function fingerprint(sodium: Sodium, account: AccountIdentity): Uint8Array {
  if (account.identityKeys.length === 0 || account.identityKeys.length > 0xffff) {
    throw new CryptoError('MALFORMED', 'an account has 1 to 65535 identity keys');
  }
  if (account.identityKeys.some((key) => key.length !== SIZES.ed25519PublicKey)) {
    throw new CryptoError('MALFORMED', 'identity key has the wrong length');
  }
  const keys = concatBytes(...[...account.identityKeys].sort(compareBytes));
  const input = new ByteWriter()
    .u16(SAFETY_NUMBER_VERSION)
    .u16(account.identityKeys.length)
    .bytes(keys)
    .bytes(utf8(account.accountId))
    .finish();
  return stretchFingerprint(sodium, LABELS.safetyNumber, input, keys, 30);
}

/**
 * The safety number of two accounts: the same digits and QR bytes whichever side computes it,
 * and different as soon as either account's set of device identity keys changes.
 *
 * Superseded by `computeAccountSafetyNumber` (PROTOCOL.md §1.15.4), which is computed from the
 * account keys and so does not change when a device is added; kept, unchanged, for the app until
 * it verifies device lists. (Not tagged `@deprecated`, which the lint rules would turn into errors
 * at the app's remaining call site.)
 */
export function computeSafetyNumber(
  sodium: Sodium,
  local: AccountIdentity,
  remote: AccountIdentity,
): SafetyNumber {
  const a = fingerprint(sodium, local);
  const b = fingerprint(sodium, remote);
  return combineFingerprints(SAFETY_NUMBER_QR_VERSION, a, b);
}

/** True when a scanned QR payload matches ours (constant-time comparison). */
export function verifySafetyNumberQr(ours: SafetyNumber, scanned: Uint8Array): boolean {
  return equalBytes(ours.qrPayload, scanned);
}

export type IdentityChange =
  | { readonly kind: 'added'; readonly address: string; readonly identityKey: Uint8Array }
  | { readonly kind: 'removed'; readonly address: string; readonly previousKey: Uint8Array }
  | {
      readonly kind: 'changed';
      readonly address: string;
      readonly previousKey: Uint8Array;
      readonly identityKey: Uint8Array;
    };

/**
 * Compares the identity keys we trusted (by device address) with the ones now presented and
 * lists every difference, so the UI can show each one; an empty list means nothing changed.
 * A 'changed' entry must never be accepted silently (DESIGN.md §5).
 */
export function compareIdentityKeys(
  known: ReadonlyMap<string, Uint8Array>,
  presented: ReadonlyMap<string, Uint8Array>,
): IdentityChange[] {
  const changes: IdentityChange[] = [];
  for (const [address, identityKey] of presented) {
    const previousKey = known.get(address);
    if (previousKey === undefined) changes.push({ kind: 'added', address, identityKey });
    else if (!equalBytes(previousKey, identityKey))
      changes.push({ kind: 'changed', address, previousKey, identityKey });
  }
  for (const [address, previousKey] of known) {
    if (!presented.has(address)) changes.push({ kind: 'removed', address, previousKey });
  }
  return changes;
}
