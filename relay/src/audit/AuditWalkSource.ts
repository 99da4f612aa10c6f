import type { AuditCheckpointsTable, AuditPruningTable } from '../db/schema.js';
import type { RawAuditRow } from './auditLeaf.js';
import type { AuditLinkRow } from './auditTreeReads.js';

/** Events in log order, with the stored subtree hashes that close within them. */
export interface AuditWalkBatch {
  readonly rows: readonly RawAuditRow[];
  /**
   * The stored hash of subtree (level, idx), asked in the order the walk closes subtrees, each
   * as its last event (which is in this batch) is walked.
   */
  storedNode(level: number, idx: number): Uint8Array | undefined;
}

/** What verifyAuditLog reads, from whichever engine holds the log. */
export interface AuditWalkSource {
  prunings(): Promise<AuditPruningTable[]>;
  checkpoints(): Promise<AuditCheckpointsTable[]>;
  links(): Promise<AuditLinkRow[]>;
  /** How many events with seq <= `seq` are stored. */
  countUpTo(seq: number): Promise<number>;
  /** The events after `afterSeq`, in order, a batch at a time; never the whole log at once. */
  batches(afterSeq: number): AsyncIterable<AuditWalkBatch> | Iterable<AuditWalkBatch>;
}
