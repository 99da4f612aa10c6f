import type { OneTimePrekeyPair } from './keyTypes.js';
import type { Random, Sodium } from './Sodium.js';
import { systemRandom } from './Sodium.js';
import { ONE_TIME_PREKEY_BATCH, SIZES } from './labels.js';

/**
 * A batch of one-time X25519 prekeys with ids firstId, firstId+1, … (PROTOCOL.md §1.4.2).
 * They are unsigned, as in X3DH §3.2: a forged one can only add a DH the attacker knows,
 * which the signed prekey and X-Wing DH still protect. Random draws: one X25519 secret each.
 */
export function generateOneTimePrekeys(
  sodium: Sodium,
  firstId: number,
  count: number = ONE_TIME_PREKEY_BATCH,
  random: Random = systemRandom(sodium),
): OneTimePrekeyPair[] {
  const out: OneTimePrekeyPair[] = [];
  for (let i = 0; i < count; i++) {
    const secretKey = random(SIZES.x25519);
    out.push({
      id: (firstId + i) >>> 0,
      publicKey: sodium.crypto_scalarmult_base(secretKey),
      secretKey,
    });
  }
  return out;
}
