import type SQLite from 'better-sqlite3';
import type { AuditCheckpointsTable, AuditPruningTable } from '../db/schema.js';
import { RAW_AUDIT_COLUMNS, type RawAuditRow } from './auditLeaf.js';
import type { AuditLinkRow } from './auditTreeReads.js';
import type { AuditWalkSource } from './AuditWalkSource.js';

/** Events handed to the walk at a time: a batch is the only thing held in memory. */
const BATCH = 4096;

/**
 * The audit log of a SQLite file for verifyAuditLog, read on its own connection (the relay's, a
 * tool's, or a backup's). One ordered pass: the events in order, and beside them audit_nodes in
 * insertion (rowid) order, which is the order the walk closes subtrees in, since appends store
 * each node as its last leaf arrives. Each stored hash is met as it can be checked: a sequential
 * scan of both tables instead of a lookup per hash. Rows met before their turn (the edge kept by
 * a pruning) are passed over; a row out of order (after a VACUUM renumbered rows, say) is looked
 * up on its own, so order only ever costs speed, never correctness.
 */
export function sqliteAuditWalk(sqlite: SQLite.Database): AuditWalkSource {
  return {
    prunings: () =>
      Promise.resolve(
        sqlite
          .prepare<[], AuditPruningTable>('SELECT * FROM audit_pruning ORDER BY tree_size')
          .all(),
      ),
    checkpoints: () =>
      Promise.resolve(
        sqlite
          .prepare<[], AuditCheckpointsTable>('SELECT * FROM audit_checkpoints ORDER BY tree_size')
          .all(),
      ),
    links: () =>
      Promise.resolve(
        sqlite.prepare<[], AuditLinkRow>('SELECT * FROM audit_links ORDER BY from_size').all(),
      ),
    countUpTo: (seq) =>
      Promise.resolve(
        sqlite
          .prepare<[number], { n: number }>('SELECT count(*) AS n FROM audit_events WHERE seq <= ?')
          .get(seq)?.n ?? 0,
      ),
    *batches(afterSeq) {
      const events = sqlite
        .prepare<[number], RawAuditRow>(
          `SELECT ${RAW_AUDIT_COLUMNS} FROM audit_events WHERE seq > ? ORDER BY seq`,
        )
        .raw(true)
        .iterate(afterSeq);
      const nodes = sqlite
        .prepare<[], readonly [number, number, Buffer]>(
          'SELECT level, idx, hash FROM audit_nodes ORDER BY rowid',
        )
        .raw(true)
        .iterate();
      const nodeAt = sqlite
        .prepare<[number, number], Buffer>(
          'SELECT hash FROM audit_nodes WHERE level = ? AND idx = ?',
        )
        .pluck(true);
      let peek = nodes.next();
      /** Negative when node a closes before node b in the walk: by last leaf, then lower level. */
      const walkOrder = (levelA: number, idxA: number, levelB: number, idxB: number) =>
        (idxA + 1) * 2 ** levelA - (idxB + 1) * 2 ** levelB || levelA - levelB;
      const storedNode = (level: number, index: number): Buffer | undefined => {
        while (peek.done !== true && walkOrder(peek.value[0], peek.value[1], level, index) < 0) {
          peek = nodes.next();
        }
        if (peek.done !== true && peek.value[0] === level && peek.value[1] === index) {
          const hash = peek.value[2];
          peek = nodes.next();
          return hash;
        }
        return nodeAt.get(level, index);
      };
      try {
        let rows: RawAuditRow[] = [];
        for (const row of events) {
          rows.push(row);
          if (rows.length === BATCH) {
            yield { rows, storedNode };
            rows = [];
          }
        }
        if (rows.length > 0) yield { rows, storedNode };
      } finally {
        // Both statements stay busy until their iterators end: a walk stopped early ends them.
        events.return?.();
        nodes.return?.();
      }
    },
  };
}
