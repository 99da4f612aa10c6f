import {
  formatCheckpoint,
  parseVerifierKey,
  signNote,
  type Ed25519Api,
} from '@vaultroom/shared/transparency';
import { sql } from 'kysely';
import { loadSodium } from '../sodium/loadSodium.js';
import {
  changes,
  first,
  rows,
  type Write,
  type WriteStore,
  type WriteTx,
} from '../db/WriteStore.js';
import { edgePositions, encodeEdge, formatPrunedExtension, rootOfEdge } from './auditEdge.js';
import type { AuditLogKey } from './auditLogKey.js';
import {
  latestCheckpoint,
  latestPruning,
  treeConsistency,
  treeEdge,
  treeRoot,
  treeSize,
} from './auditTreeReads.js';
import type { AuditWalkSource } from './AuditWalkSource.js';
import { appendSecurityEvent } from './recordSecurityEvent.js';
import { verifyAuditLog } from './verifyAuditLog.js';

export type AuditPruneErrorCode = 'AUDIT_LOG_INVALID' | 'AUDIT_NOT_SIGNED';

export class AuditPruneError extends Error {
  constructor(
    readonly code: AuditPruneErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'AuditPruneError';
  }
}

export interface AuditPruneResult {
  /** Events 1..prunedSize are gone after this run (the same as before when nothing was pruned). */
  readonly prunedSize: number;
  /** How many events this run removed; 0 when there was nothing to prune. */
  readonly removed: number;
  /**
   * Events older than the cut that were kept because no signed checkpoint covers them yet; they
   * can be pruned once the relay has signed them.
   */
  readonly keptUnsigned: number;
  /** The size of the new signed checkpoint that records the pruning, or null. */
  readonly recordedIn: number | null;
  /** When the pruning ran, as written in the signed record. */
  readonly at: string;
}

/**
 * Deletes the events older than `before`, as a whole prefix of the log and never past the latest
 * signed checkpoint, and records the pruning so that `verifyAuditLog` still checks everything left:
 *
 * 1. the log is verified first: a pruning destroys evidence, so it must not bless a log that was
 *    already tampered with (and events are pruned only as far as this verification reached);
 * 2. a signed checkpoint at exactly the pruned size P (existing, or signed now: P is covered by a
 *    signed checkpoint the log just verified against, so signing it adds no trust);
 * 3. the tree's left edge at P (the complete-subtree hashes over events 1..P), which must fold to
 *    that checkpoint's root, kept in `audit_pruning` together with P;
 * 4. an `audit_pruned` event, then a checkpoint over it with the extension line
 *    `pruned <P> <time>`: the pruning itself is signed, so a record that is edited, removed or
 *    invented is caught;
 * 5. for every signed checkpoint size m from the previous pruned size up to P, the consistency
 *    proof from m to P, kept in `audit_links`: a device that remembers a checkpoint from before
 *    the pruning can still be shown that the log extends it (m to P by the link, P onwards from
 *    the kept tree; see the audit part of PROTOCOL.md);
 * 6. then the events 1..P and the subtree hashes below P that are not on the edge are deleted.
 *
 * Steps 2–6 are one write operation, whose transaction takes SQLite's write lock first: the
 * relay may be appending events and signing checkpoints beside it. The tree reads inside it are
 * yielded statements of the operation (auditTreeReads), so they see its own writes. The deletes
 * are the long part; pruning regularly (a daily `--keep-days`) keeps
 * each run, and so the relay's wait for the lock, short.
 */
export async function pruneAuditLog(
  database: {
    readonly writes: WriteStore;
    /** The same database, as verify walks it (sqliteAuditWalk or queriedAuditWalk). */
    readonly walk: AuditWalkSource;
  },
  options: {
    readonly before: Date;
    readonly key: AuditLogKey;
    readonly origin: string;
    readonly now?: Date;
  },
): Promise<AuditPruneResult> {
  const sodium = await loadSodium();
  const at = (options.now ?? new Date()).toISOString();
  const cut = options.before.toISOString();
  // Verified before taking the write lock: the walk reads the whole log, and the relay's writers
  // wait for the lock only so long (the busy timeout). Events appended meanwhile are not pruned:
  // the pruned size is capped at what this walk covered.
  const verification = await verifyAuditLog(database.walk, {
    origin: options.origin,
    verifiers: [parseVerifierKey(options.key.verifierKey)],
  });
  if (verification.problem !== null) {
    throw new AuditPruneError(
      'AUDIT_LOG_INVALID',
      `the audit log does not verify, so nothing was pruned: ${verification.problem.message}`,
    );
  }
  return database.writes.write(function* (tx): Write<AuditPruneResult> {
    const previous = (yield* latestPruning(tx.db))?.tree_size ?? 0;
    const latest = yield* latestCheckpoint(tx.db);
    if (latest === null) {
      throw new AuditPruneError(
        'AUDIT_NOT_SIGNED',
        'no checkpoint has been signed yet, so no event can be pruned',
      );
    }
    // Only a prefix: `at` follows the clock, and after a clock step back an old event can follow
    // a newer one; stopping at the first event at or after the cut never prunes anything newer.
    const firstKept = yield* first(
      tx.db
        .selectFrom('audit_events')
        .select((eb) => eb.fn.min('seq').as('seq'))
        .where('seq', '>', previous)
        .where('at', '>=', cut),
    );
    const older = (firstKept?.seq ?? (yield* treeSize(tx.db)) + 1) - 1;
    const size = Math.min(older, latest.tree_size, verification.events);
    const keptUnsigned = Math.max(0, older - latest.tree_size);
    if (size <= previous) {
      return { prunedSize: previous, removed: 0, keptUnsigned, recordedIn: null, at };
    }

    const edge = yield* treeEdge(tx.db, size);
    const root = yield* treeRoot(tx.db, size);
    if (!Buffer.from(rootOfEdge(edge) ?? []).equals(Buffer.from(root))) {
      // Verified above, so only an edit made since then gets here.
      throw new AuditPruneError(
        'AUDIT_LOG_INVALID',
        `the stored tree at size ${size} changed during the pruning, so nothing was pruned`,
      );
    }
    // Links, while the tree is still as it was: sizes below the previous pruning got theirs
    // then, and the previous pruned size itself is a signed size too, so chains join up.
    const signedSizes = yield* rows(
      tx.db
        .selectFrom('audit_checkpoints')
        .select('tree_size')
        .where('tree_size', '>=', Math.max(1, previous))
        .where('tree_size', '<', size)
        .orderBy('tree_size'),
    );
    for (const { tree_size: from } of signedSizes) {
      const proof = encodeEdge(yield* treeConsistency(tx.db, from, size));
      yield* changes(
        tx.db
          .insertInto('audit_links')
          .values({ from_size: from, to_size: size, proof })
          .onConflict((conflict) =>
            conflict.column('from_size').doUpdateSet({ to_size: size, proof }),
          ),
      );
    }

    const atSize = yield* first(
      tx.db.selectFrom('audit_checkpoints').select('tree_size').where('tree_size', '=', size),
    );
    if (atSize === undefined) {
      yield* insertCheckpoint(tx, options, sodium, { size, root, extensions: [], at });
    }

    yield* appendSecurityEvent(
      tx,
      {
        type: 'audit_pruned',
        outcome: 'success',
        details: { through: size, before: cut, events: size - previous },
      },
      new Date(at),
    );
    // The event lies after P, so the log never becomes empty and its size stays readable.
    const recordedIn = yield* treeSize(tx.db);
    yield* insertCheckpoint(tx, options, sodium, {
      size: recordedIn,
      root: yield* treeRoot(tx.db, recordedIn),
      extensions: [formatPrunedExtension(size, at)],
      at,
    });
    yield* changes(
      tx.db.insertInto('audit_pruning').values({
        tree_size: size,
        pruned_at: at,
        before: cut,
        edge: encodeEdge(edge),
        checkpoint_size: recordedIn,
      }),
    );

    yield* changes(tx.db.deleteFrom('audit_events').where('seq', '<=', size));
    yield* deleteNodesBelow(tx, size);
    return { prunedSize: size, removed: size - previous, keptUnsigned, recordedIn, at };
  });
}

function* insertCheckpoint(
  tx: WriteTx,
  options: { readonly key: AuditLogKey; readonly origin: string },
  ed25519: Ed25519Api,
  checkpoint: { size: number; root: Uint8Array; extensions: string[]; at: string },
): Write<void> {
  const body = formatCheckpoint({
    origin: options.origin,
    size: checkpoint.size,
    rootHash: checkpoint.root,
    extensions: checkpoint.extensions,
  });
  yield* changes(
    tx.db.insertInto('audit_checkpoints').values({
      tree_size: checkpoint.size,
      note: signNote(body, options.key.signer, ed25519),
      created_at: checkpoint.at,
    }),
  );
}

/**
 * Deletes the stored subtrees that lie entirely before `size`, except those on the left edge at
 * `size`: proofs and appends for the remaining events need those (see createAuditReader), and
 * subtrees reaching past `size` still cover remaining events.
 */
function* deleteNodesBelow(tx: WriteTx, size: number): Write<void> {
  const kept = new Map(edgePositions(size).map(({ level, idx }) => [level, idx]));
  for (let level = 1; 2 ** level <= size; level++) {
    const width = 2 ** level;
    yield* changes(
      tx.db
        .deleteFrom('audit_nodes')
        .where('level', '=', level)
        .where(sql<number>`(idx + 1) * ${width}`, '<=', size)
        .where('idx', '!=', kept.get(level) ?? -1),
    );
  }
}
