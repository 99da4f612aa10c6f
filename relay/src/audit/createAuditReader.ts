import type SQLite from 'better-sqlite3';
import {
  consistencyProof,
  inclusionProof,
  rootHash,
  type TreeHashSource,
} from '@vaultroom/shared/transparency';
import type { AuditCheckpointsTable, AuditEventsTable, AuditPruningTable } from '../db/schema.js';
import { decodeEdge, edgePositions, rootOfEdge } from './auditEdge.js';

/** One row of audit_links: the consistency proof from a signed size to the pruned size after it. */
export interface AuditLinkRow {
  readonly from_size: number;
  readonly to_size: number;
  /** The proof's hashes, concatenated (32 bytes each). */
  readonly proof: Buffer;
}

/** One step of a chain over pruned history: see ConsistencyLink in the API contract. */
export interface AuditLinkStep {
  readonly size: number;
  readonly rootHash: Uint8Array;
  readonly proof: Uint8Array[];
}

export interface AuditReader {
  /** Number of events in the log, pruned ones included: the tree size. */
  size(): number;
  /** Events 1..prunedSize() were pruned; 0 when nothing was. */
  prunedSize(): number;
  /** The latest pruning, or null. */
  latestPruning(): AuditPruningTable | null;
  root(size: number): Uint8Array;
  /** Inclusion proof of event `seq` (1-based) in the tree of the first `size` events. */
  inclusion(seq: number, size: number): Uint8Array[];
  consistency(fromSize: number, toSize: number): Uint8Array[];
  /** The complete-subtree hashes covering the first `size` events, largest first. */
  edge(size: number): Uint8Array[];
  /**
   * The chain of kept consistency proofs from `fromSize`, a signed size below the pruned size,
   * to the pruned size (one step per pruning in between); null when none was kept from there.
   */
  linksFrom(fromSize: number): AuditLinkStep[] | null;
  /** Every kept link, by size. */
  links(): AuditLinkRow[];
  latestCheckpoint(): AuditCheckpointsTable | null;
  checkpoints(): AuditCheckpointsTable[];
  /** Events after `afterSeq` in order, streamed: verify walks millions without holding them. */
  iterate(afterSeq?: number): IterableIterator<AuditEventsTable>;
}

/**
 * Reads the Merkle tree from the database. Proof generation asks for hashes synchronously, so this
 * uses the better-sqlite3 connection directly; writes go through Kysely in the caller's
 * transaction (recordSecurityEvent).
 *
 * After a pruning, the events before the pruned size P are gone. Roots and proofs for sizes >= P
 * and events after P only ever need subtrees before P that lie on the tree's left edge at P (the
 * left siblings on a path to a leaf at or after P are the edge at that leaf, and those ending
 * before P are on the edge at P). The pruning keeps those in audit_nodes and in its own row; the
 * row is the only place left for a single-leaf edge part, whose event is deleted.
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
  const pruningQuery = sqlite.prepare<[], AuditPruningTable>(
    'SELECT * FROM audit_pruning ORDER BY tree_size DESC LIMIT 1',
  );
  const linkQuery = sqlite.prepare<[number], AuditLinkRow>(
    'SELECT from_size, to_size, proof FROM audit_links WHERE from_size = ?',
  );
  const allLinks = sqlite.prepare<[], AuditLinkRow>('SELECT * FROM audit_links ORDER BY from_size');
  const pruningAt = sqlite.prepare<[number], AuditPruningTable>(
    'SELECT * FROM audit_pruning WHERE tree_size = ?',
  );
  const eventsAfter = sqlite.prepare<[number], AuditEventsTable>(
    'SELECT * FROM audit_events WHERE seq > ? ORDER BY seq',
  );

  // Read on every call, not cached: the relay keeps one reader for its whole life while
  // `vaultroom audit prune` may run beside it.
  const latestPruning = () => pruningQuery.get() ?? null;

  /** A hash from the latest pruning's edge, for the parts of the tree whose rows are gone. */
  function fromEdge(level: number, idx: number): Uint8Array | undefined {
    const pruning = latestPruning();
    if (pruning === null) return undefined;
    const at = edgePositions(pruning.tree_size).findIndex(
      (position) => position.level === level && position.idx === idx,
    );
    return at < 0 ? undefined : decodeEdge(pruning.edge, pruning.tree_size)?.[at];
  }

  const source: TreeHashSource = {
    leafHash: (index) => {
      const hash = leafQuery.get(index + 1)?.hash ?? fromEdge(0, index);
      if (hash === undefined) {
        const pruned = latestPruning()?.tree_size ?? 0;
        throw new Error(
          index < pruned
            ? `audit event ${index + 1} was pruned`
            : `audit event ${index + 1} is missing`,
        );
      }
      return hash;
    },
    subtreeHash: (level, index) =>
      level === 0 ? undefined : (nodeQuery.get(level, index)?.hash ?? fromEdge(level, index)),
  };

  return {
    size: () => Math.max(sizeQuery.get()?.n ?? 0, latestPruning()?.tree_size ?? 0),
    prunedSize: () => latestPruning()?.tree_size ?? 0,
    latestPruning,
    root: (size) => rootHash(size, source),
    inclusion: (seq, size) => inclusionProof(seq - 1, size, source),
    consistency: (fromSize, toSize) => consistencyProof(fromSize, toSize, source),
    edge: (size) =>
      edgePositions(size).map(({ level, idx }) => {
        if (level === 0) return source.leafHash(idx);
        const hash = source.subtreeHash?.(level, idx);
        if (hash === undefined) throw new Error(`audit subtree (${level}, ${idx}) is missing`);
        return hash;
      }),
    linksFrom: (fromSize) => {
      const prunedSize = latestPruning()?.tree_size ?? 0;
      const steps: AuditLinkStep[] = [];
      let size = fromSize;
      while (size < prunedSize) {
        const link = linkQuery.get(size);
        // Each link leads to a later pruning, whose kept edge gives the root there.
        const pruning = link === undefined ? undefined : pruningAt.get(link.to_size);
        if (link === undefined || pruning === undefined || link.to_size <= size) return null;
        const edge = decodeEdge(pruning.edge, pruning.tree_size);
        const rootHash = edge === null ? null : rootOfEdge(edge);
        const proof = decodeHashes(link.proof);
        if (rootHash === null || proof === null) return null;
        steps.push({ size: link.to_size, rootHash, proof });
        size = link.to_size;
      }
      return steps;
    },
    links: () => allLinks.all(),
    latestCheckpoint: () => latestQuery.get() ?? null,
    checkpoints: () => allCheckpoints.all(),
    iterate: (afterSeq = 0) => eventsAfter.iterate(afterSeq),
  };
}

/** Splits concatenated 32-byte hashes; null when the length is not a multiple (damaged). */
export function decodeHashes(bytes: Uint8Array): Uint8Array[] | null {
  if (bytes.length % 32 !== 0) return null;
  return Array.from({ length: bytes.length / 32 }, (_, i) =>
    Uint8Array.from(bytes.subarray(i * 32, (i + 1) * 32)),
  );
}
