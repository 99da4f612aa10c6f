import type SQLite from 'better-sqlite3';
import { verifyCheckpoint, type NoteVerifier } from '@vaultroom/shared/transparency';
import sodium from 'libsodium-wrappers';
import { auditLeafHash, auditNodeHash } from './auditLeaf.js';
import { createAuditReader } from './createAuditReader.js';

export interface AuditProblem {
  /** The first event concerned, when one can be named. */
  readonly seq: number | null;
  readonly message: string;
}

export interface AuditVerification {
  readonly events: number;
  readonly checkpoints: number;
  /** The first problem in log order, or null when everything verified. */
  readonly problem: AuditProblem | null;
}

interface CheckpointClaim {
  readonly size: number;
  readonly root: Uint8Array;
  readonly label: string;
}

/**
 * Recomputes the whole log from its rows and checks it against every signed checkpoint: each leaf
 * from the event's own fields, each stored subtree hash, and each checkpoint's signature and root.
 * Any edit, deletion, insertion, reordering or truncation of events up to a signed checkpoint is
 * found, and the first bad place is named. `external` are checkpoints kept off the machine: they
 * also catch a rollback of the database together with its checkpoints.
 */
export async function verifyAuditLog(
  sqlite: SQLite.Database,
  expected: { origin: string; verifiers: readonly NoteVerifier[]; external?: readonly string[] },
): Promise<AuditVerification> {
  await sodium.ready;
  const reader = createAuditReader(sqlite);
  const nodeQuery = sqlite.prepare<[number, number], { hash: Buffer }>(
    'SELECT hash FROM audit_nodes WHERE level = ? AND idx = ?',
  );

  // Events verified so far; every failure reports it, the checkpoint checks included.
  let count = 0;
  const claims: CheckpointClaim[] = [];
  const stored = reader.checkpoints();
  for (const [index, note] of [
    ...stored.map((row) => row.note),
    ...(expected.external ?? []),
  ].entries()) {
    const label =
      index < stored.length
        ? `stored checkpoint at size ${stored[index]?.tree_size ?? '?'}`
        : 'external checkpoint';
    try {
      const checkpoint = verifyCheckpoint(note, expected, sodium);
      if (index < stored.length && checkpoint.size !== stored[index]?.tree_size) {
        return fail(stored.length, null, `the ${label} states size ${checkpoint.size}`);
      }
      claims.push({ size: checkpoint.size, root: checkpoint.rootHash, label });
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      return fail(stored.length, null, `the ${label} does not verify: ${reason}`);
    }
  }
  claims.sort((a, b) => a.size - b.size);

  // The right edge of the tree: hashes of the complete subtrees, largest first (RFC 9162 §2.1.1).
  const edge: Uint8Array[] = [];
  const rootOfEdge = () => edge.reduceRight((right, left) => auditNodeHash(left, right));
  let claim = 0;

  for (const row of reader.iterate()) {
    const expectedSeq = count + 1;
    if (row.seq !== expectedSeq) {
      return fail(
        stored.length,
        expectedSeq,
        `event ${expectedSeq} is missing (the next event is ${row.seq})`,
      );
    }
    let hash = auditLeafHash(row);
    if (!Buffer.from(hash).equals(Buffer.from(row.leaf_hash))) {
      return fail(
        stored.length,
        row.seq,
        `event ${row.seq} was altered: its content does not match its hash`,
      );
    }
    let level = 0;
    let index = count;
    while (index % 2 === 1) {
      const left = edge.pop();
      if (left === undefined) throw new Error('tree edge underflow');
      hash = auditNodeHash(left, hash);
      level += 1;
      index = (index - 1) / 2;
      const node = nodeQuery.get(level, index);
      if (!node?.hash.equals(Buffer.from(hash))) {
        const first = index * 2 ** level + 1;
        return fail(
          stored.length,
          first,
          `events ${first}–${first + 2 ** level - 1} do not match the stored tree: one of them was altered`,
        );
      }
    }
    edge.push(hash);
    count += 1;
    while (claims[claim]?.size === count) {
      const current = claims[claim];
      if (current !== undefined && !Buffer.from(rootOfEdge()).equals(Buffer.from(current.root))) {
        return fail(
          stored.length,
          null,
          `the events up to ${count} do not match the ${current.label}: an event up to ${count} was altered, removed, inserted or reordered`,
        );
      }
      claim += 1;
    }
  }
  const beyond = claims[claim];
  if (beyond !== undefined) {
    return fail(
      stored.length,
      count + 1,
      `the log was truncated: the ${beyond.label} covers ${beyond.size} events but only ${count} exist`,
    );
  }
  return { events: count, checkpoints: claims.length, problem: null };

  function fail(checkpoints: number, seq: number | null, message: string): AuditVerification {
    return { events: count, checkpoints, problem: { seq, message } };
  }
}
