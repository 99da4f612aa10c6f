import { decodeAuditLeaf } from './auditLeaf.js';
import { equalBytes } from './equalBytes.js';
import { hashLeaf } from './hashLeaf.js';
import { readKeyEntry, type KeyEntry } from './keyEntry.js';
import { parseVerifierKey } from './parseVerifierKey.js';
import { TransparencyError } from './TransparencyError.js';
import type { Ed25519Api } from './types.js';
import { verifyCheckpoint } from './verifyCheckpoint.js';
import { verifyConsistency } from './verifyConsistency.js';
import { verifyInclusion } from './verifyInclusion.js';

/** The tree head a device trusts: verified, and proven to extend every one it trusted before. */
export interface TrustedLogView {
  readonly size: number;
  readonly rootHash: Uint8Array;
  /** The verifier key that signed it (`name+keyid+key`); its name is the log's origin. */
  readonly verifierKey: string;
}

/** A proof of consistency over pruned history: steps to each pruned size, then on (§3.5). */
export interface ConsistencySteps {
  readonly links: readonly {
    readonly size: number;
    readonly rootHash: Uint8Array;
    readonly proof: readonly Uint8Array[];
  }[];
  readonly proof: readonly Uint8Array[];
}

/** What `prove-keys` answers (PROTOCOL.md §2.11). */
export interface KeyProofsAnswer {
  readonly checkpoint: string;
  readonly verifierKey: string;
  readonly entries: readonly {
    readonly seq: number;
    readonly leaf: Uint8Array;
    readonly proof: readonly Uint8Array[];
  }[];
  readonly consistency: ConsistencySteps;
}

export interface ProvenKeys {
  /** The checkpoint the entries were proven against: the device's trusted view from now on. */
  readonly view: TrustedLogView;
  /** Each proven entry by its object hash (base64). */
  readonly entries: ReadonlyMap<string, KeyEntry>;
}

/**
 * Verifies a signed checkpoint against the verifier key the device trusts (its first one is taken
 * on first use) and proves that it extends the device's trusted view (RFC 9162 §2.1.4.2, through
 * pruning links). Throws TransparencyError for another key, a smaller tree, another root at the
 * same size or a proof that fails: a relay showing this device another log.
 */
export function advanceLogView(
  sodium: Ed25519Api,
  trusted: TrustedLogView | null,
  checkpointNote: string,
  verifierKey: string,
  consistency: ConsistencySteps,
): TrustedLogView {
  if (trusted !== null && trusted.verifierKey !== verifierKey) {
    throw new TransparencyError('UNKNOWN_KEY', 'the log is signed by another key than before');
  }
  const verifier = parseVerifierKey(verifierKey);
  const checkpoint = verifyCheckpoint(
    checkpointNote,
    { origin: verifier.name, verifiers: [verifier] },
    sodium,
  );
  const view = { size: checkpoint.size, rootHash: checkpoint.rootHash, verifierKey };
  if (trusted === null) return view;
  if (checkpoint.size < trusted.size) {
    throw new TransparencyError('CONSISTENCY_PROOF_INVALID', 'the log is smaller than before');
  }
  if (checkpoint.size === trusted.size) {
    if (!equalBytes(checkpoint.rootHash, trusted.rootHash)) {
      throw new TransparencyError('CONSISTENCY_PROOF_INVALID', 'another root at the same size');
    }
    return view;
  }
  let size = trusted.size;
  let root = trusted.rootHash;
  for (const link of consistency.links) {
    if (link.size > checkpoint.size) {
      throw new TransparencyError('CONSISTENCY_PROOF_INVALID', 'a link past the checkpoint');
    }
    verifyConsistency(size, link.size, link.proof, root, link.rootHash);
    size = link.size;
    root = link.rootHash;
  }
  verifyConsistency(size, checkpoint.size, consistency.proof, root, checkpoint.rootHash);
  return view;
}

/**
 * Checks a `prove-keys` answer (§2.11, §1.15.6 rule 7): the checkpoint as in
 * {@link advanceLogView}, then each entry: a key entry leaf (§3.8) at its seq, included in the
 * checkpoint's tree. Returns the entries by object hash; the caller checks that each object it
 * would use is among them, for the right account and kind. An entry that fails is an attack,
 * not an absence: it throws.
 */
export function checkKeyProofs(
  sodium: Ed25519Api,
  trusted: TrustedLogView | null,
  answer: KeyProofsAnswer,
): ProvenKeys {
  const view = advanceLogView(
    sodium,
    trusted,
    answer.checkpoint,
    answer.verifierKey,
    answer.consistency,
  );
  const entries = new Map<string, KeyEntry>();
  for (const { seq, leaf, proof } of answer.entries) {
    const fields = decodeAuditLeaf(leaf);
    const entry = readKeyEntry(fields);
    if (entry === null || fields.seq !== seq || entry.objectHash === null) {
      throw new TransparencyError('LEAF_MALFORMED', `event ${String(seq)} is not a key entry`);
    }
    verifyInclusion(hashLeaf(leaf), seq - 1, view.size, proof, view.rootHash);
    entries.set(entry.objectHash, entry);
  }
  return { view, entries };
}
