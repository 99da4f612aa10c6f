import type { PrekeyBundle } from './keyTypes.js';
import type { Sodium } from './Sodium.js';
import { CryptoError } from './CryptoError.js';
import { assertNotLowOrder } from './diffieHellman.js';
import { SIZES } from './labels.js';
import { verifyPrekeySignature } from './prekeySignature.js';

/**
 * X3DH §3.3 / PQXDH §3.3 first step: every signature in the bundle verifies under its identity
 * key (BAD_SIGNATURE) and every X25519 key, including the X25519 half of the X-Wing key, has
 * full order (LOW_ORDER_KEY). A signature alone cannot stop a malicious owner signing a bad key.
 */
export function verifyPrekeyBundle(sodium: Sodium, bundle: PrekeyBundle): void {
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
    'identityDh',
    0,
    identity.dhPublicKey,
    identity.dhSignature,
  );
  verifyPrekeySignature(
    sodium,
    identity.signingPublicKey,
    'signedPrekey',
    signedPrekey.id,
    signedPrekey.publicKey,
    signedPrekey.signature,
  );
  verifyPrekeySignature(
    sodium,
    identity.signingPublicKey,
    'pqPrekey',
    pqPrekey.id,
    pqPrekey.publicKey,
    pqPrekey.signature,
  );
  for (const key of x25519Keys) assertNotLowOrder(sodium, key);
  // X-Wing public key = ML-KEM-768 key (1184 bytes) || X25519 key (32 bytes).
  assertNotLowOrder(sodium, pqPrekey.publicKey.subarray(SIZES.xwingPublicKey - SIZES.x25519));
}
