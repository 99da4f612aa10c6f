import { isTreeNumber, largestPowerOfTwoBelow } from './bits.js';
import { rangeHash, toTreeHashSource } from './rangeHash.js';
import { TransparencyError } from './TransparencyError.js';
import type { LeafHashGetter, TreeHashSource } from './types.js';

/**
 * The proof that the tree of `newSize` leaves extends the tree of `oldSize` leaves, PROOF(m, D[n])
 * of RFC 9162 §2.1.4.1. Empty when the sizes are equal. RFC 9162 defines proofs only from a
 * non-empty tree (every tree extends the empty one), so oldSize must be at least 1, as
 * verifyConsistency requires.
 *
 * Cost: as {@link inclusionProof}.
 */
export function consistencyProof(
  oldSize: number,
  newSize: number,
  source: LeafHashGetter | TreeHashSource,
): Uint8Array[] {
  if (!isTreeNumber(oldSize) || !isTreeNumber(newSize) || oldSize > newSize) {
    throw new TransparencyError(
      'INVALID_ARGUMENT',
      `need 0 <= oldSize <= newSize, got ${String(oldSize)} and ${String(newSize)}`,
    );
  }
  if (oldSize === 0) {
    throw new TransparencyError('INVALID_ARGUMENT', 'no consistency proof from the empty tree');
  }
  if (oldSize === newSize) return [];
  const hashes = toTreeHashSource(source);
  const proof: Uint8Array[] = [];
  // SUBPROOF(m, D[start:end], b), unrolled: `m` counts old leaves within the current range and
  // `complete` is the RFC's flag b, true while the range is still a prefix of the whole tree.
  let start = 0;
  let end = newSize;
  let m = oldSize;
  let complete = true;
  while (m !== end - start) {
    const k = largestPowerOfTwoBelow(end - start);
    if (m <= k) {
      proof.push(rangeHash(start + k, end, hashes));
      end = start + k;
    } else {
      proof.push(rangeHash(start, start + k, hashes));
      start += k;
      m -= k;
      complete = false;
    }
  }
  // SUBPROOF(m, D[m], false) = {MTH(D[m])}: the old tree's subtree is not known to the verifier.
  if (!complete) proof.push(rangeHash(start, end, hashes));
  return proof.reverse();
}
