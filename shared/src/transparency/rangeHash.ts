import { largestPowerOfTwoBelow, popCount, trailingZeros } from './bits.js';
import { HASH_SIZE } from './constants.js';
import { hashChildren } from './hashChildren.js';
import { TransparencyError } from './TransparencyError.js';
import type { LeafHashGetter, TreeHashSource } from './types.js';

/** Accepts a bare leaf-hash getter where a full hash source is expected. */
export function toTreeHashSource(source: LeafHashGetter | TreeHashSource): TreeHashSource {
  return typeof source === 'function' ? { leafHash: source } : source;
}

function checked(hash: unknown, what: string): Uint8Array {
  if (!(hash instanceof Uint8Array) || hash.length !== HASH_SIZE) {
    throw new TransparencyError('INVALID_ARGUMENT', `${what} is not a ${HASH_SIZE}-byte hash`);
  }
  return hash;
}

/**
 * MTH(D[start:end]) for end > start (RFC 9162 §2.1.1): split at the largest power of two k below
 * the range size and hash the two halves. Every range the RFC's proof algorithms ask for starts at
 * a multiple of its largest power-of-two part, so its perfect subtrees are aligned and can come
 * from `source.subtreeHash` when the caller stores them. Without stored subtrees this reads every
 * leaf of the range and costs (end - start - 1) node hashes, with recursion depth log2(end - start).
 */
export function rangeHash(start: number, end: number, source: TreeHashSource): Uint8Array {
  const n = end - start;
  if (n === 1) return checked(source.leafHash(start), `leaf hash ${start}`);
  if (source.subtreeHash !== undefined && popCount(n) === 1 && start % n === 0) {
    const level = trailingZeros(n);
    const stored = source.subtreeHash(level, start / n);
    if (stored !== undefined) return checked(stored, `subtree hash (${level}, ${start / n})`);
  }
  const k = largestPowerOfTwoBelow(n);
  return hashChildren(rangeHash(start, start + k, source), rangeHash(start + k, end, source));
}
