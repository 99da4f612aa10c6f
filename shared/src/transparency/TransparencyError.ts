/**
 * Every way a transparency-log operation can fail. Callers branch on `code`; the message is for
 * logs and names expected vs. actual values, never key material.
 */
export type TransparencyErrorCode =
  /** A caller passed a value the operation cannot work with (a programming error, not an attack). */
  | 'INVALID_ARGUMENT'
  /** An inclusion proof does not prove the leaf is in the tree with the given root (RFC 9162 §2.1.3.2). */
  | 'INCLUSION_PROOF_INVALID'
  /** A consistency proof does not prove the new tree extends the old one (RFC 9162 §2.1.4.2). */
  | 'CONSISTENCY_PROOF_INVALID'
  /** The text is not a well-formed signed note (c2sp.org/signed-note). */
  | 'NOTE_MALFORMED'
  /** The note text is not a well-formed checkpoint (c2sp.org/tlog-checkpoint). */
  | 'CHECKPOINT_MALFORMED'
  /** The checkpoint is for another log than the one the caller expected. */
  | 'CHECKPOINT_ORIGIN_MISMATCH'
  /** A signature by a known key does not verify; the whole note is refused. */
  | 'CHECKPOINT_SIGNATURE_INVALID'
  /** No signature on the note comes from a key the caller trusts. */
  | 'UNKNOWN_KEY'
  /** A verifier key string is malformed, or two trusted keys share a name and key ID. */
  | 'VERIFIER_KEY_INVALID'
  /** A signer's name or secret key is unusable. */
  | 'SIGNER_INVALID'
  /** The bytes are not an audit leaf of the layout and version this code knows. */
  | 'LEAF_MALFORMED';

export class TransparencyError extends Error {
  override readonly name = 'TransparencyError';
  readonly code: TransparencyErrorCode;

  constructor(code: TransparencyErrorCode, message: string) {
    super(`${code}: ${message}`);
    this.code = code;
  }
}
