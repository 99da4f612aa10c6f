import { isTreeNumber } from './bits.js';
import { emptyRoot } from './emptyRoot.js';
import { rangeHash, toTreeHashSource } from './rangeHash.js';
import { TransparencyError } from './TransparencyError.js';
import type { LeafHashGetter, TreeHashSource } from './types.js';

/**
 * MTH(D[0:size]), the root of the first `size` leaves (RFC 9162 §2.1.1). Reads every leaf unless
 * the source provides stored subtree hashes; to follow a growing log, keep a {@link Frontier}.
 */
export function rootHash(size: number, source: LeafHashGetter | TreeHashSource): Uint8Array {
  if (!isTreeNumber(size)) {
    throw new TransparencyError('INVALID_ARGUMENT', `tree size must be a safe integer >= 0`);
  }
  return size === 0 ? emptyRoot() : rangeHash(0, size, toTreeHashSource(source));
}
