import type { Random, Sodium } from './Sodium.js';
import { ByteWriter } from './bytes.js';
import { deriveKey } from './deriveKey.js';
import { LABELS } from './labels.js';

/**
 * A deterministic Random for known-answer tests (PROTOCOL.md §1.12), so a second implementation
 * can reproduce our vectors byte for byte. Call i (from 0) of length L returns
 *   randombytes_buf_deterministic(L, KDF(seeded-random, seed, u32(i), 32))
 * (ChaCha20 keystream, libsodium's fixed nonce "LibsodiumDRG"). Never use it for real keys.
 */
export function createSeededRandom(sodium: Sodium, seed: Uint8Array): Random {
  let counter = 0;
  return (length) => {
    const callSeed = deriveKey(
      sodium,
      LABELS.seededRandom,
      seed,
      new ByteWriter().u32(counter++).finish(),
      32,
    );
    return sodium.randombytes_buf_deterministic(length, callSeed);
  };
}
