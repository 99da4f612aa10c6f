import type { PrekeyBundle } from './keyTypes.js';
import type { Sodium } from './Sodium.js';
import { CryptoError } from './CryptoError.js';
import { assertNotLowOrder } from './diffieHellman.js';
import { MAX_PREKEY_AGE_MS, MAX_PREKEY_CLOCK_SKEW_MS, SIZES } from './labels.js';
import { verifyPrekeySignature } from './prekeySignature.js';

/**
 * X3DH §3.3 / PQXDH §3.3 first step: every signature in the bundle verifies under its identity
 * key (BAD_SIGNATURE), the signed and X-Wing prekeys were made within MAX_PREKEY_AGE_MS of `now`
 * by their signed creation time (STALE_PREKEY, §1.4.4), and every X25519 key, including the
 * X25519 half of the X-Wing key, has full order (LOW_ORDER_KEY). A signature alone cannot stop
 * a malicious owner signing a bad key.
 */
export function verifyPrekeyBundle(sodium: Sodium, bundle: PrekeyBundle, now: number): void {
  const { identity, signedPrekey, pqPrekey, oneTimePrekey } = bundle;
  const x25519Keys = [identity.dhPublicKey, signedPrekey.publicKey];
  if (oneTimePrekey) x25519Keys.push(oneTimePrekey.publicKey);
  if (
    x25519Keys.some((key) => key.length !== SIZES.x25519) ||
    pqPrekey.publicKey.length !== SIZES.xwingPublicKey
  ) {
    throw new CryptoError('MALFORMED', 'prekey bundle has a key of the wrong length');
  }
  verifyPrekeySignature(
    sodium,
    identity.signingPublicKey,
    { kind: 'identityDh' },
    identity.dhPublicKey,
    identity.dhSignature,
  );
  for (const [kind, prekey] of [
    ['signedPrekey', signedPrekey],
    ['pqPrekey', pqPrekey],
  ] as const) {
    const { id, createdAt, publicKey, signature } = prekey;
    verifyPrekeySignature(
      sodium,
      identity.signingPublicKey,
      { kind, id, createdAt },
      publicKey,
      signature,
    );
    // Checked after the signature, so the date is the owner's and not the relay's.
    if (now - createdAt > MAX_PREKEY_AGE_MS || createdAt - now > MAX_PREKEY_CLOCK_SKEW_MS) {
      throw new CryptoError('STALE_PREKEY', `${kind} was not made within the allowed age`);
    }
  }
  for (const key of x25519Keys) assertNotLowOrder(sodium, key);
  // X-Wing public key = ML-KEM-768 key (1184 bytes) || X25519 key (32 bytes).
  assertNotLowOrder(sodium, pqPrekey.publicKey.subarray(SIZES.xwingPublicKey - SIZES.x25519));
}
