import type { IdentityKeyPair, PqPrekeyPair } from './keyTypes.js';
import type { Random, Sodium } from './Sodium.js';
import { systemRandom } from './Sodium.js';
import { signPrekey } from './prekeySignature.js';
import { SIZES } from './labels.js';

/**
 * A signed X-Wing prekey (PROTOCOL.md §1.4.2), the post-quantum half of the handshake in the
 * spirit of PQXDH's signed last-resort PQ prekey; rotated and retired like the signed prekey.
 * Random draws: X-Wing seed (32), which is also the X-Wing secret key.
 */
export function generatePqPrekey(
  sodium: Sodium,
  identity: IdentityKeyPair,
  id: number,
  createdAt: number,
  random: Random = systemRandom(sodium),
): PqPrekeyPair {
  const keyPair = sodium.crypto_kem_xwing_seed_keypair(random(SIZES.xwingSecretKey));
  return {
    id,
    createdAt,
    publicKey: keyPair.publicKey,
    secretKey: keyPair.privateKey,
    signature: signPrekey(
      sodium,
      identity.signingSecretKey,
      { kind: 'pqPrekey', id, createdAt },
      keyPair.publicKey,
    ),
  };
}
