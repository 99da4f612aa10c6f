import type { IdentityKeyPair, SignedPrekeyPair } from './keyTypes.js';
import type { Random, Sodium } from './Sodium.js';
import { systemRandom } from './Sodium.js';
import { signPrekey } from './prekeySignature.js';
import { SIZES } from './labels.js';

/**
 * A signed X25519 prekey with the caller's id (PROTOCOL.md §1.4.2). The caller persists it,
 * publishes it in the bundle and keeps the previous ones for SIGNED_PREKEY_GRACE_MS
 * (see `prekeysToRetire`). Random draws: X25519 secret (32).
 */
export function generateSignedPrekey(
  sodium: Sodium,
  identity: IdentityKeyPair,
  id: number,
  createdAt: number,
  random: Random = systemRandom(sodium),
): SignedPrekeyPair {
  const secretKey = random(SIZES.x25519);
  const publicKey = sodium.crypto_scalarmult_base(secretKey);
  return {
    id,
    createdAt,
    publicKey,
    secretKey,
    signature: signPrekey(
      sodium,
      identity.signingSecretKey,
      { kind: 'signedPrekey', id, createdAt },
      publicKey,
    ),
  };
}
