import { sha256 } from '@noble/hashes/sha2.js';

import { LEAF_HASH_PREFIX } from './constants.js';

/**
 * The hash of one log entry: SHA-256(0x00 || data) (RFC 9162 §2.1.1). The 0x00 prefix keeps a
 * leaf from ever being taken for an inner node, which would allow second-preimage forgeries.
 */
export function hashLeaf(data: Uint8Array): Uint8Array {
  const input = new Uint8Array(data.length + 1);
  input[0] = LEAF_HASH_PREFIX;
  input.set(data, 1);
  return sha256(input);
}
