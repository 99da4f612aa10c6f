import type { IdentityKeyPair } from './keyTypes.js';
import type { Random, Sodium } from './Sodium.js';
import { systemRandom } from './Sodium.js';
import { signPrekey } from './prekeySignature.js';
import { SIZES } from './labels.js';

/**
 * A new device identity (PROTOCOL.md §1.4): Ed25519 from a 32-byte seed, then an X25519 DH key
 * (32 random bytes, clamped by X25519 itself) signed as key type identityDh with id 0.
 * Random draws, in order: Ed25519 seed (32), X25519 secret (32).
 */
export function generateIdentityKeyPair(
  sodium: Sodium,
  random: Random = systemRandom(sodium),
): IdentityKeyPair {
  const signing = sodium.crypto_sign_seed_keypair(random(SIZES.ed25519Seed));
  const dhSecretKey = random(SIZES.x25519);
  const dhPublicKey = sodium.crypto_scalarmult_base(dhSecretKey);
  return {
    signingPublicKey: signing.publicKey,
    signingSecretKey: signing.privateKey,
    dhPublicKey,
    dhSecretKey,
    dhSignature: signPrekey(sodium, signing.privateKey, { kind: 'identityDh' }, dhPublicKey),
  };
}
