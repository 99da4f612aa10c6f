import type { Kysely } from 'kysely';
import { runReads } from '../db/runReads.js';
import type { AuditCheckpointsTable, AuditPruningTable, RelayDatabase } from '../db/schema.js';
import type { Write } from '../db/WriteStore.js';
import {
  allCheckpoints,
  allLinks,
  latestCheckpoint,
  latestPruning,
  linksFrom,
  treeConsistency,
  treeEdge,
  treeInclusion,
  treeRoot,
  treeSize,
  type AuditLinkRow,
  type AuditLinkStep,
} from './auditTreeReads.js';

export { decodeHashes, type AuditLinkRow, type AuditLinkStep } from './auditTreeReads.js';

export interface AuditReader {
  /** Number of events in the log, pruned ones included: the tree size. */
  size(): Promise<number>;
  /** Events 1..prunedSize() were pruned; 0 when nothing was. */
  prunedSize(): Promise<number>;
  /** The latest pruning, or null. */
  latestPruning(): Promise<AuditPruningTable | null>;
  root(size: number): Promise<Uint8Array>;
  /** Inclusion proof of event `seq` (1-based) in the tree of the first `size` events. */
  inclusion(seq: number, size: number): Promise<Uint8Array[]>;
  consistency(fromSize: number, toSize: number): Promise<Uint8Array[]>;
  /** The complete-subtree hashes covering the first `size` events, largest first. */
  edge(size: number): Promise<Uint8Array[]>;
  /**
   * The chain of kept consistency proofs from `fromSize`, a signed size below the pruned size,
   * to the pruned size (one step per pruning in between); null when none was kept from there.
   */
  linksFrom(fromSize: number): Promise<AuditLinkStep[] | null>;
  /** Every kept link, by size. */
  links(): Promise<AuditLinkRow[]>;
  latestCheckpoint(): Promise<AuditCheckpointsTable | null>;
  checkpoints(): Promise<AuditCheckpointsTable[]>;
}

/**
 * Reads the Merkle tree from the database, on either engine (see auditTreeReads). Each call reads
 * afresh, nothing is cached: the relay keeps one reader for its whole life while
 * `vaultroom audit prune`, or another relay on the same PostgreSQL database, writes beside it.
 * Events up to a size never change once committed, so a root or proof read over several
 * statements is the same as one read at once.
 */
export function createAuditReader(db: Kysely<RelayDatabase>): AuditReader {
  const read = <T>(steps: Write<T>): Promise<T> => runReads(db, steps);
  return {
    size: () => read(treeSize(db)),
    prunedSize: async () => (await read(latestPruning(db)))?.tree_size ?? 0,
    latestPruning: () => read(latestPruning(db)),
    root: (size) => read(treeRoot(db, size)),
    inclusion: (seq, size) => read(treeInclusion(db, seq, size)),
    consistency: (fromSize, toSize) => read(treeConsistency(db, fromSize, toSize)),
    edge: (size) => read(treeEdge(db, size)),
    linksFrom: (fromSize) => read(linksFrom(db, fromSize)),
    links: () => read(allLinks(db)),
    latestCheckpoint: () => read(latestCheckpoint(db)),
    checkpoints: () => read(allCheckpoints(db)),
  };
}
