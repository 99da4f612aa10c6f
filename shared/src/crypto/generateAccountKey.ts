import type { Random, Sodium } from './Sodium.js';
import { systemRandom } from './Sodium.js';
import { SIZES } from './labels.js';

/** An account's Ed25519 signing key (PROTOCOL.md §1.15.1). */
export interface AccountKeyPair {
  /** The account key: what safety numbers show and what every device certificate chains to. */
  readonly publicKey: Uint8Array;
  /** libsodium layout (seed ‖ public key), 64 bytes. Kept by the account's devices, sealed per passkey. */
  readonly secretKey: Uint8Array;
}

/**
 * A new account key, made once by an account's first device (PROTOCOL.md §1.15.1).
 * Random draws: Ed25519 seed (32).
 */
export function generateAccountKey(
  sodium: Sodium,
  random: Random = systemRandom(sodium),
): AccountKeyPair {
  const pair = sodium.crypto_sign_seed_keypair(random(SIZES.ed25519Seed));
  return { publicKey: pair.publicKey, secretKey: pair.privateKey };
}
