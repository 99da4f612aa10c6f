import { isTreeNumber, largestPowerOfTwoBelow } from './bits.js';
import { rangeHash, toTreeHashSource } from './rangeHash.js';
import { TransparencyError } from './TransparencyError.js';
import type { LeafHashGetter, TreeHashSource } from './types.js';

/**
 * The audit path of leaf `index` in the tree of the first `size` leaves, PATH(m, D[n]) of RFC 9162
 * §2.1.3.1, ordered from the leaf's sibling up to the root's child.
 *
 * Cost: O(log size) hashes read from `source.subtreeHash` when every perfect subtree is stored;
 * with leaf hashes only, every leaf is read and about `size` node hashes are computed.
 */
export function inclusionProof(
  index: number,
  size: number,
  source: LeafHashGetter | TreeHashSource,
): Uint8Array[] {
  if (!isTreeNumber(index) || !isTreeNumber(size) || index >= size) {
    throw new TransparencyError(
      'INVALID_ARGUMENT',
      `need 0 <= index < size, got index ${String(index)} and size ${String(size)}`,
    );
  }
  const hashes = toTreeHashSource(source);
  const proof: Uint8Array[] = [];
  // Iterative form of the RFC's recursion: descend from the whole range towards the leaf,
  // collecting the sibling subtree at each split, then reverse to list them bottom-up.
  let start = 0;
  let end = size;
  while (end - start > 1) {
    const k = largestPowerOfTwoBelow(end - start);
    if (index < start + k) {
      proof.push(rangeHash(start + k, end, hashes));
      end = start + k;
    } else {
      proof.push(rangeHash(start, start + k, hashes));
      start += k;
    }
  }
  return proof.reverse();
}
