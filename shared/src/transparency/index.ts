/**
 * The tamper-evident audit log's pure core: RFC 9162 Merkle tree hashing, inclusion and
 * consistency proofs, and checkpoints as C2SP signed notes. No storage and no I/O: callers pass
 * leaf hashes in through getters and libsodium in as a parameter.
 */
export { TransparencyError, type TransparencyErrorCode } from './TransparencyError.js';
export {
  ED25519_SIGNATURE_TYPE,
  HASH_SIZE,
  NOTE_MAX_BYTES,
  NOTE_MAX_SIGNATURES,
  NOTE_MAX_TEXT_LINES,
} from './constants.js';
export type {
  Checkpoint,
  Ed25519Api,
  LeafHashGetter,
  NoteSignature,
  NoteSigner,
  NoteVerifier,
  SignedNote,
  SubtreeHashGetter,
  TreeHashSource,
  VerifiedNote,
} from './types.js';

export {
  AUDIT_LEAF_VERSION,
  auditLeafJson,
  decodeAuditLeaf,
  encodeAuditLeaf,
  type AuditLeaf,
  type AuditLeafFields,
} from './auditLeaf.js';
export { hashLeaf } from './hashLeaf.js';
export { hashChildren } from './hashChildren.js';
export { emptyRoot } from './emptyRoot.js';
export { Frontier, type FrontierOptions, type Sha256 } from './Frontier.js';
export { rootHash } from './rootHash.js';
export { inclusionProof } from './inclusionProof.js';
export { consistencyProof } from './consistencyProof.js';
export { rootFromInclusionProof } from './rootFromInclusionProof.js';
export { verifyInclusion } from './verifyInclusion.js';
export { verifyConsistency } from './verifyConsistency.js';

export { formatCheckpoint } from './formatCheckpoint.js';
export { parseCheckpoint } from './parseCheckpoint.js';
export { signNote } from './signNote.js';
export { parseSignedNote } from './parseSignedNote.js';
export { verifyNote } from './verifyNote.js';
export { verifyCheckpoint } from './verifyCheckpoint.js';
export { ed25519KeyId } from './keyId.js';
export { formatVerifierKey } from './formatVerifierKey.js';
export { parseVerifierKey } from './parseVerifierKey.js';
export {
  KEY_ENTRY_KINDS,
  KEY_ENTRY_TYPE,
  keyEntryDetails,
  keyEntryHash,
  makeKeyEntry,
  readKeyEntry,
  type KeyEntry,
  type KeyEntryKind,
} from './keyEntry.js';
export {
  advanceLogView,
  checkKeyProofs,
  type ConsistencySteps,
  type KeyProofsAnswer,
  type ProvenKeys,
  type TrustedLogView,
} from './checkKeyProofs.js';
export { scanLogLeaves } from './scanLogLeaves.js';
