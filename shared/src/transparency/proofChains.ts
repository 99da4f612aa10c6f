/**
 * The hash-chaining steps shared by inclusion and consistency verification, after
 * transparency-dev/merkle's proof/verify.go, which computes RFC 9162 §2.1.3.2 and §2.1.4.2 from
 * the bits of the index and size instead of walking the tree.
 */
import { bitAt, bitLength, popCount, shiftRight, xor } from './bits.js';
import { hashChildrenUnchecked } from './hashChildren.js';

/**
 * Splits the inclusion proof of leaf `index` in a tree of `size` leaves into `inner` hashes (below
 * the point where the paths to `index` and to the last leaf `size - 1` diverge) and `border`
 * hashes (left siblings along the right border above it). Their sum is the proof's length.
 */
export function decomposeInclusionProof(
  index: number,
  size: number,
): { inner: number; border: number } {
  const inner = bitLength(xor(index, size - 1));
  const border = popCount(shiftRight(index, inner));
  return { inner, border };
}

/** Chains `seed` up through inner proof hashes: bit i of `index` says which side hash i is on. */
export function chainInner(
  seed: Uint8Array,
  proof: readonly Uint8Array[],
  index: number,
): Uint8Array {
  let hash = seed;
  proof.forEach((sibling, i) => {
    hash =
      bitAt(index, i) === 0
        ? hashChildrenUnchecked(hash, sibling)
        : hashChildrenUnchecked(sibling, hash);
  });
  return hash;
}

/**
 * Like {@link chainInner} but only through left siblings: the result is the hash the subtree had
 * before the leaves right of the path were appended, i.e. in the older tree.
 */
export function chainInnerRight(
  seed: Uint8Array,
  proof: readonly Uint8Array[],
  index: number,
): Uint8Array {
  let hash = seed;
  proof.forEach((sibling, i) => {
    if (bitAt(index, i) === 1) hash = hashChildrenUnchecked(sibling, hash);
  });
  return hash;
}

/** Chains along the right border, where every proof hash is a left sibling. */
export function chainBorderRight(seed: Uint8Array, proof: readonly Uint8Array[]): Uint8Array {
  let hash = seed;
  for (const sibling of proof) hash = hashChildrenUnchecked(sibling, hash);
  return hash;
}
