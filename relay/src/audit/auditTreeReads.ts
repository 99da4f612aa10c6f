import type { Kysely } from 'kysely';
import {
  consistencyProof,
  inclusionProof,
  rootHash,
  type TreeHashSource,
} from '@vaultroom/shared/transparency';
import type { AuditCheckpointsTable, AuditPruningTable, RelayDatabase } from '../db/schema.js';
import { first, rows, type Write } from '../db/WriteStore.js';
import { decodeEdge, edgePositions, rootOfEdge } from './auditEdge.js';

/*
 * The audit tree's reads, as write-store generators (see WriteStore): inside a write operation
 * they see its own writes (`yield*`), outside one runReads runs them as plain reads. Either way
 * they work the same on SQLite and PostgreSQL, and never hold more of the tree in memory than
 * one proof needs.
 */

/** One row of audit_links: the consistency proof from a signed size to the pruned size after it. */
export interface AuditLinkRow {
  readonly from_size: number;
  readonly to_size: number;
  /** The proof's hashes, concatenated (32 bytes each). */
  readonly proof: Uint8Array;
}

/** One step of a chain over pruned history: see ConsistencyLink in the API contract. */
export interface AuditLinkStep {
  readonly size: number;
  readonly rootHash: Uint8Array;
  readonly proof: Uint8Array[];
}

export class AuditTreeError extends Error {
  readonly code = 'AUDIT_TREE_DAMAGED';
  constructor(message: string) {
    super(message);
    this.name = 'AuditTreeError';
  }
}

export function* latestPruning(db: Kysely<RelayDatabase>): Write<AuditPruningTable | null> {
  const row = yield* first(
    db.selectFrom('audit_pruning').selectAll().orderBy('tree_size', 'desc').limit(1),
  );
  return row ?? null;
}

/** Number of events in the log, pruned ones included: the tree size. */
export function* treeSize(db: Kysely<RelayDatabase>): Write<number> {
  const newest = yield* first(
    db.selectFrom('audit_events').select((eb) => eb.fn.max('seq').as('n')),
  );
  const pruning = yield* latestPruning(db);
  return Math.max(newest?.n ?? 0, pruning?.tree_size ?? 0);
}

export function* latestCheckpoint(db: Kysely<RelayDatabase>): Write<AuditCheckpointsTable | null> {
  const row = yield* first(
    db.selectFrom('audit_checkpoints').selectAll().orderBy('tree_size', 'desc').limit(1),
  );
  return row ?? null;
}

export function allCheckpoints(db: Kysely<RelayDatabase>): Write<AuditCheckpointsTable[]> {
  return rows(db.selectFrom('audit_checkpoints').selectAll().orderBy('tree_size'));
}

export function allLinks(db: Kysely<RelayDatabase>): Write<AuditLinkRow[]> {
  return rows(db.selectFrom('audit_links').selectAll().orderBy('from_size'));
}

/** A placeholder for a hash not fetched yet: the proof functions never look inside a hash. */
const UNKNOWN = new Uint8Array(32);

/** How many positions one look-up names at most, to stay far below any parameter limit. */
const LOOKUP_CHUNK = 200;

const keyOf = (level: number, idx: number) => `${level}:${idx}`;

/**
 * Runs a synchronous tree computation (a root, a proof) against hashes fetched from the
 * database. The shared proof functions ask for each hash synchronously, so the computation runs
 * against what is known, records each hash it missed, and runs again once they are all fetched,
 * in one query per table. Stored subtrees cover every complete part of the tree, so a root or a
 * proof needs two or three rounds and about 2·log2(size) hashes, however large the log.
 *
 * After a pruning the events before the pruned size P are gone; roots and proofs for sizes >= P
 * only need subtrees before P on the tree's left edge at P, which the pruning keeps in
 * audit_nodes and in its own row (the only place left for a single-leaf edge part).
 */
export function* computeOverTree<T>(
  db: Kysely<RelayDatabase>,
  compute: (source: TreeHashSource) => T,
): Write<T> {
  const pruning = yield* latestPruning(db);
  const prunedEdge = pruning === null ? null : decodeEdge(pruning.edge, pruning.tree_size);
  const prunedPositions = pruning === null ? [] : edgePositions(pruning.tree_size);
  const fromEdge = (level: number, idx: number): Uint8Array | undefined => {
    const at = prunedPositions.findIndex((p) => p.level === level && p.idx === idx);
    return at < 0 ? undefined : prunedEdge?.[at];
  };
  /** Fetched hashes; null where the database has none (an incomplete subtree, a lost leaf). */
  const known = new Map<string, Uint8Array | null>();
  for (;;) {
    const missedLeaves = new Set<number>();
    const missedNodes = new Map<string, { level: number; idx: number }>();
    const source: TreeHashSource = {
      leafHash: (index) => {
        const hash = known.get(keyOf(0, index));
        if (hash === undefined) {
          missedLeaves.add(index);
          return UNKNOWN;
        }
        if (hash === null) {
          throw new AuditTreeError(
            index < (pruning?.tree_size ?? 0)
              ? `audit event ${index + 1} was pruned`
              : `audit event ${index + 1} is missing`,
          );
        }
        return hash;
      },
      subtreeHash: (level, idx) => {
        if (level === 0) return undefined;
        const hash = known.get(keyOf(level, idx));
        if (hash !== undefined) return hash ?? undefined;
        missedNodes.set(keyOf(level, idx), { level, idx });
        return UNKNOWN;
      },
    };
    const result = compute(source);
    if (missedLeaves.size === 0 && missedNodes.size === 0) return result;

    const leaves = [...missedLeaves];
    for (let at = 0; at < leaves.length; at += LOOKUP_CHUNK) {
      const chunk = leaves.slice(at, at + LOOKUP_CHUNK);
      const found = yield* rows(
        db
          .selectFrom('audit_events')
          .select(['seq', 'leaf_hash'])
          .where(
            'seq',
            'in',
            chunk.map((index) => index + 1),
          ),
      );
      const bySeq = new Map(found.map((row) => [row.seq, row.leaf_hash]));
      for (const index of chunk) {
        known.set(keyOf(0, index), bySeq.get(index + 1) ?? fromEdge(0, index) ?? null);
      }
    }
    const nodes = [...missedNodes.values()];
    for (let at = 0; at < nodes.length; at += LOOKUP_CHUNK) {
      const chunk = nodes.slice(at, at + LOOKUP_CHUNK);
      const found = yield* rows(
        db
          .selectFrom('audit_nodes')
          .select(['level', 'idx', 'hash'])
          .where((eb) =>
            eb.or(
              chunk.map(({ level, idx }) => eb.and([eb('level', '=', level), eb('idx', '=', idx)])),
            ),
          ),
      );
      const byKey = new Map(found.map((row) => [keyOf(row.level, row.idx), row.hash]));
      for (const { level, idx } of chunk) {
        const key = keyOf(level, idx);
        known.set(key, byKey.get(key) ?? fromEdge(level, idx) ?? null);
      }
    }
  }
}

export function treeRoot(db: Kysely<RelayDatabase>, size: number): Write<Uint8Array> {
  return computeOverTree(db, (source) => rootHash(size, source));
}

/** Inclusion proof of event `seq` (1-based) in the tree of the first `size` events. */
export function treeInclusion(
  db: Kysely<RelayDatabase>,
  seq: number,
  size: number,
): Write<Uint8Array[]> {
  return computeOverTree(db, (source) => inclusionProof(seq - 1, size, source));
}

export function treeConsistency(
  db: Kysely<RelayDatabase>,
  fromSize: number,
  toSize: number,
): Write<Uint8Array[]> {
  return computeOverTree(db, (source) => consistencyProof(fromSize, toSize, source));
}

/** The complete-subtree hashes covering the first `size` events, largest first. */
export function treeEdge(db: Kysely<RelayDatabase>, size: number): Write<Uint8Array[]> {
  return computeOverTree(db, (source) =>
    edgePositions(size).map(({ level, idx }) => {
      if (level === 0) return source.leafHash(idx);
      const hash = source.subtreeHash?.(level, idx);
      if (hash === undefined)
        throw new AuditTreeError(`audit subtree (${level}, ${idx}) is missing`);
      return hash;
    }),
  );
}

/**
 * The chain of kept consistency proofs from `fromSize`, a signed size below the pruned size, to
 * the pruned size (one step per pruning in between); null when none was kept from there.
 */
export function* linksFrom(
  db: Kysely<RelayDatabase>,
  fromSize: number,
): Write<AuditLinkStep[] | null> {
  const prunedSize = (yield* latestPruning(db))?.tree_size ?? 0;
  const steps: AuditLinkStep[] = [];
  let size = fromSize;
  while (size < prunedSize) {
    const link = yield* first(
      db.selectFrom('audit_links').selectAll().where('from_size', '=', size),
    );
    if (link === undefined || link.to_size <= size) return null;
    // Each link leads to a later pruning, whose kept edge gives the root there.
    const pruning = yield* first(
      db.selectFrom('audit_pruning').selectAll().where('tree_size', '=', link.to_size),
    );
    if (pruning === undefined) return null;
    const edge = decodeEdge(pruning.edge, pruning.tree_size);
    const rootHash = edge === null ? null : rootOfEdge(edge);
    const proof = decodeHashes(link.proof);
    if (rootHash === null || proof === null) return null;
    steps.push({ size: link.to_size, rootHash, proof });
    size = link.to_size;
  }
  return steps;
}

/** Splits concatenated 32-byte hashes; null when the length is not a multiple (damaged). */
export function decodeHashes(bytes: Uint8Array): Uint8Array[] | null {
  if (bytes.length % 32 !== 0) return null;
  return Array.from({ length: bytes.length / 32 }, (_, i) =>
    Uint8Array.from(bytes.subarray(i * 32, (i + 1) * 32)),
  );
}
