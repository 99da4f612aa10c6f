import { equalBytes } from './equalBytes.js';
import { rootFromInclusionProof } from './rootFromInclusionProof.js';
import { TransparencyError } from './TransparencyError.js';

/**
 * Checks that the leaf with hash `leafHash` is at `index` in the tree of `size` leaves whose root
 * is `root` (RFC 9162 §2.1.3.2). Returns nothing on success; throws a TransparencyError with code
 * INCLUSION_PROOF_INVALID otherwise. `root` must come from a verified checkpoint.
 */
export function verifyInclusion(
  leafHash: Uint8Array,
  index: number,
  size: number,
  proof: readonly Uint8Array[],
  root: Uint8Array,
): void {
  const calculated = rootFromInclusionProof(leafHash, index, size, proof);
  if (!equalBytes(calculated, root)) {
    throw new TransparencyError(
      'INCLUSION_PROOF_INVALID',
      'the root computed from the proof differs from the expected root',
    );
  }
}
