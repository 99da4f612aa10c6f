import { isTreeNumber, shiftRight, trailingZeros } from './bits.js';
import { equalBytes } from './equalBytes.js';
import {
  chainBorderRight,
  chainInner,
  chainInnerRight,
  decomposeInclusionProof,
} from './proofChains.js';
import { TransparencyError } from './TransparencyError.js';

function fail(message: string): never {
  throw new TransparencyError('CONSISTENCY_PROOF_INVALID', message);
}

/**
 * Checks that the tree of `size2` leaves with root `root2` extends the tree of `size1` leaves with
 * root `root1` (RFC 9162 §2.1.4.2), with the edge cases of transparency-dev/merkle's verifier:
 * size1 must be at least 1, since RFC 9162 defines proofs only for 0 < size1 (every tree extends
 * the empty one, so such a "proof" would say nothing, yet a verifier that accepted it could be
 * made to accept any root); equal sizes need an empty proof and equal roots. Returns nothing on
 * success; throws a TransparencyError with code CONSISTENCY_PROOF_INVALID otherwise.
 */
export function verifyConsistency(
  size1: number,
  size2: number,
  proof: readonly Uint8Array[],
  root1: Uint8Array,
  root2: Uint8Array,
): void {
  if (!isTreeNumber(size1) || !isTreeNumber(size2)) {
    fail('tree sizes must be safe integers >= 0');
  }
  if (size2 < size1) fail(`size2 (${size2}) is smaller than size1 (${size1})`);
  if (size1 === 0) fail('a consistency proof from the empty tree is meaningless');
  if (size1 === size2) {
    if (proof.length > 0) fail(`sizes are equal but the proof has ${proof.length} hashes`);
    if (!equalBytes(root1, root2)) fail('sizes are equal but the roots differ');
    return;
  }
  if (proof.length === 0) fail('empty proof');

  // The proof is the inclusion proof of leaf size1 - 1 in the new tree, cut at level `shift`:
  // the old tree's last perfect subtree (of 2^shift leaves) is the starting point.
  const { inner: fullInner, border } = decomposeInclusionProof(size1 - 1, size2);
  const shift = trailingZeros(size1);
  const inner = fullInner - shift; // shift < fullInner whenever size1 < size2

  // RFC 9162 §2.1.4.2 step 2: if size1 is a power of two that subtree is the whole old tree, so
  // its hash is root1 and the proof leaves it out; otherwise the proof starts with it.
  const seedIsRoot1 = size1 === 2 ** shift;
  const seed = seedIsRoot1 ? root1 : proof[0];
  const path = seedIsRoot1 ? proof : proof.slice(1);
  if (seed === undefined || path.length !== inner + border) {
    fail(`proof has ${proof.length} hashes, expected ${(seedIsRoot1 ? 0 : 1) + inner + border}`);
  }

  const mask = shiftRight(size1 - 1, shift); // index of the seed subtree at level `shift`
  const innerPath = path.slice(0, inner);
  const borderPath = path.slice(inner);

  // Recompute the old root from the left siblings only, then the new root from all of them.
  const hash1 = chainBorderRight(chainInnerRight(seed, innerPath, mask), borderPath);
  if (!equalBytes(hash1, root1)) fail('the proof does not lead to root1');
  const hash2 = chainBorderRight(chainInner(seed, innerPath, mask), borderPath);
  if (!equalBytes(hash2, root2)) fail('the proof does not lead to root2');
}
