import type { RelayDb } from '../db/schema.js';
import type { WriteStore } from '../db/WriteStore.js';
import type { Logger } from '../log/createLogger.js';
import type { KeyLog } from '../audit/keyLog.js';

export interface DeliverySettings {
  /** Unacked envelopes are deleted after this long. */
  readonly retentionMs: number;
  /** A device is told to upload more one-time prekeys below this many. */
  readonly lowPrekeyThreshold: number;
  /** Signed and post-quantum prekeys older than this (after a newer one exists) are dropped. */
  readonly prekeyGraceMs: number;
}

/** What the device operations of a connection need, passed in by the delivery service's owner. */
export interface DeliveryContext {
  /** Reads. */
  readonly db: RelayDb;
  /** Writes: one operation, one short transaction. */
  readonly writes: WriteStore;
  readonly settings: DeliverySettings;
  readonly now: () => number;
  readonly log: Logger;
  /** The audit log as key-transparency requests read it (§2.11). */
  readonly keyLog: KeyLog;
}

/** Who is on the other end of a connection, as its session and hello established. */
export interface Caller {
  readonly accountId: string;
  readonly sessionId: string;
  /** Set once the connection said hello with a registered device (or registered one). */
  readonly deviceId: string | null;
}
