import { sha256 } from '@noble/hashes/sha2.js';

import { HASH_SIZE, NODE_HASH_PREFIX } from './constants.js';
import { TransparencyError } from './TransparencyError.js';

/** The hash of an inner node: SHA-256(0x01 || left || right) (RFC 9162 §2.1.1). */
export function hashChildren(left: Uint8Array, right: Uint8Array): Uint8Array {
  if (left.length !== HASH_SIZE || right.length !== HASH_SIZE) {
    throw new TransparencyError(
      'INVALID_ARGUMENT',
      `child hashes must be ${HASH_SIZE} bytes, got ${left.length} and ${right.length}`,
    );
  }
  return hashChildrenUnchecked(left, right);
}

/**
 * The same without the length check, for proof verification: proof elements of the wrong size
 * must make verification fail (as in transparency-dev/merkle), not throw a different error.
 */
export function hashChildrenUnchecked(left: Uint8Array, right: Uint8Array): Uint8Array {
  const input = new Uint8Array(1 + left.length + right.length);
  input[0] = NODE_HASH_PREFIX;
  input.set(left, 1);
  input.set(right, 1 + left.length);
  return sha256(input);
}
