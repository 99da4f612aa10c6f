import { isTreeNumber } from './bits.js';
import { HASH_SIZE } from './constants.js';
import { chainBorderRight, chainInner, decomposeInclusionProof } from './proofChains.js';
import { TransparencyError } from './TransparencyError.js';

/**
 * The root an inclusion proof leads to (RFC 9162 §2.1.3.2), or an INCLUSION_PROOF_INVALID error
 * when the proof cannot be a proof for this index and size. Comparing the result with a trusted
 * root is the caller's job; {@link verifyInclusion} does both.
 */
export function rootFromInclusionProof(
  leafHash: Uint8Array,
  index: number,
  size: number,
  proof: readonly Uint8Array[],
): Uint8Array {
  if (!isTreeNumber(index) || !isTreeNumber(size) || index >= size) {
    throw new TransparencyError(
      'INCLUSION_PROOF_INVALID',
      `index must be below the tree size, got index ${String(index)} and size ${String(size)}`,
    );
  }
  if (leafHash.length !== HASH_SIZE) {
    throw new TransparencyError(
      'INCLUSION_PROOF_INVALID',
      `leaf hash has ${leafHash.length} bytes, expected ${HASH_SIZE}`,
    );
  }
  // The proof length is fixed by index and size; any other length is a forgery attempt or a bug.
  const { inner, border } = decomposeInclusionProof(index, size);
  if (proof.length !== inner + border) {
    throw new TransparencyError(
      'INCLUSION_PROOF_INVALID',
      `proof has ${proof.length} hashes, expected ${inner + border}`,
    );
  }
  const hash = chainInner(leafHash, proof.slice(0, inner), index);
  return chainBorderRight(hash, proof.slice(inner));
}
