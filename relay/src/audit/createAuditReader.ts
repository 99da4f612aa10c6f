import type SQLite from 'better-sqlite3';
import {
  consistencyProof,
  inclusionProof,
  rootHash,
  type TreeHashSource,
} from '@vaultroom/shared/transparency';
import type { AuditCheckpointsTable, AuditEventsTable } from '../db/schema.js';

export interface AuditReader {
  /** Number of events in the log. */
  size(): number;
  root(size: number): Uint8Array;
  /** Inclusion proof of event `seq` (1-based) in the tree of the first `size` events. */
  inclusion(seq: number, size: number): Uint8Array[];
  consistency(fromSize: number, toSize: number): Uint8Array[];
  latestCheckpoint(): AuditCheckpointsTable | null;
  checkpoints(): AuditCheckpointsTable[];
  /** Events in order, streamed: verify walks millions without holding them. */
  iterate(): IterableIterator<AuditEventsTable>;
}

/**
 * Reads the Merkle tree from the database. Proof generation asks for hashes synchronously, so this
 * uses the better-sqlite3 connection directly; writes go through Kysely in the caller's
 * transaction (recordSecurityEvent).
 */
export function createAuditReader(sqlite: SQLite.Database): AuditReader {
  const sizeQuery = sqlite.prepare<[], { n: number | null }>(
    'SELECT max(seq) AS n FROM audit_events',
  );
  const leafQuery = sqlite.prepare<[number], { hash: Buffer }>(
    'SELECT leaf_hash AS hash FROM audit_events WHERE seq = ?',
  );
  const nodeQuery = sqlite.prepare<[number, number], { hash: Buffer }>(
    'SELECT hash FROM audit_nodes WHERE level = ? AND idx = ?',
  );
  const latestQuery = sqlite.prepare<[], AuditCheckpointsTable>(
    'SELECT * FROM audit_checkpoints ORDER BY tree_size DESC LIMIT 1',
  );
  const allCheckpoints = sqlite.prepare<[], AuditCheckpointsTable>(
    'SELECT * FROM audit_checkpoints ORDER BY tree_size',
  );
  const allEvents = sqlite.prepare<[], AuditEventsTable>('SELECT * FROM audit_events ORDER BY seq');

  const source: TreeHashSource = {
    leafHash: (index) => {
      const row = leafQuery.get(index + 1);
      if (row === undefined) throw new Error(`audit event ${index + 1} is missing`);
      return row.hash;
    },
    subtreeHash: (level, index) => (level === 0 ? undefined : nodeQuery.get(level, index)?.hash),
  };

  return {
    size: () => sizeQuery.get()?.n ?? 0,
    root: (size) => rootHash(size, source),
    inclusion: (seq, size) => inclusionProof(seq - 1, size, source),
    consistency: (fromSize, toSize) => consistencyProof(fromSize, toSize, source),
    latestCheckpoint: () => latestQuery.get() ?? null,
    checkpoints: () => allCheckpoints.all(),
    iterate: () => allEvents.iterate(),
  };
}
