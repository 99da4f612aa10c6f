import type { RelayDb } from '../db/schema.js';
import type { WriteStore } from '../db/WriteStore.js';
import type { MailboxStore } from '../mailbox/createMailboxStore.js';

/** The relay's storage, one shape for both engines: what the composition root wires up. */
export interface RelayStorage {
  /** `sqlite`: one relay owns the database in its data directory; `postgres`: relays may share. */
  readonly engine: 'sqlite' | 'postgres';
  /** Reads, one statement at a time. */
  readonly db: RelayDb;
  /** Every write: one short transaction per operation. */
  readonly writes: WriteStore;
  /** Store-and-forward on the engine's own hot path. */
  readonly mailbox: MailboxStore;
  /** Throws when the database cannot be used (`/healthz` reports the relay degraded then). */
  probe(): void;
  /**
   * Whether this relay signs audit checkpoints on schedule: always on SQLite; on PostgreSQL the
   * one relay that holds the advisory lock (createAdvisoryLeadership).
   */
  leadsCheckpoints(): Promise<boolean>;
  /** Stops the storage's own upkeep and closes the database. */
  close(): Promise<void>;
}
