import { isStorageLocked } from '../api/isStorageUnavailable.js';
import type { Logger } from '../log/createLogger.js';
import type { EnvelopeRow, MailboxStore } from './createMailboxStore.js';

/** One `send` frame while its envelopes are neither durable nor acked by their recipients. */
export interface PendingSend {
  /** One envelope of the send is durable or acked by its recipient. */
  envelopeDone(): void;
  /** Nothing of the send could be stored: refuse it with this transient code. */
  refuse(code: 'STORAGE_FULL' | 'STORAGE_BUSY'): void;
}

export interface GroupCommit {
  /** An accepted envelope, to be stored in the next commit unless its recipient acks it first. */
  add(row: EnvelopeRow, send: PendingSend): void;
  /**
   * The recipient device acked an envelope pushed to it: done with no disk write if still
   * pending, else deleted in the next commit. Returns the row if it was pending.
   */
  acked(deviceId: string, envelopeId: string): void;
  /**
   * Commits what is pending now. False when it could not (the database is locked by another
   * process): it is retried shortly, and a reader of the mailbox must wait for it.
   */
  flush(): boolean;
  /** Body bytes accepted and not yet committed or acked: bounded by the caller's backpressure. */
  pendingBytes(): number;
  /** Commits once more, synchronously, and stops the timers. */
  stop(): void;
}

export interface GroupCommitOptions {
  readonly store: MailboxStore;
  readonly log: Logger;
  /** Rows of a failed commit, so their quota is given back. */
  readonly onDropped: (row: EnvelopeRow) => void;
  /** How long a group commit waits for more sends and for acks (ms). */
  readonly windowMs?: number;
  /** While the database is locked, how often the commit is tried again (ms). */
  readonly busyRetryMs?: number;
  /** How long a locked database is waited out before senders are refused (ms). */
  readonly busyDeadlineMs?: number;
  readonly now?: () => number;
}

interface PendingEnvelope {
  readonly row: EnvelopeRow;
  readonly send: PendingSend;
  /** When it was accepted (ms): a lock is waited out for each envelope from then on. */
  readonly since: number;
}

/**
 * The mailbox's durability (PROTOCOL.md §2.6): every envelope accepted in a short window goes to
 * disk in one transaction with every delete acked in it, and only then are senders told `sent`.
 * An envelope its recipient acks before the commit is done without touching the disk.
 *
 * A database locked by another process is waited out without holding the event loop: the
 * connection's own busy wait is short, and a commit that meets the lock keeps its envelopes
 * pending (still pushed to, and acked by, online recipients) and is retried from a timer until
 * the deadline, after which its senders are refused with `STORAGE_BUSY` and retry.
 */
export function createGroupCommit(options: GroupCommitOptions): GroupCommit {
  const { store, log } = options;
  const windowMs = options.windowMs ?? 2;
  const busyRetryMs = options.busyRetryMs ?? 50;
  const busyDeadlineMs = options.busyDeadlineMs ?? 5000;
  const now = options.now ?? Date.now;
  let pending = new Map<string, PendingEnvelope>();
  let bytes = 0;
  /**
   * Stored envelopes acked since the last commit, by acking device. A delete needs no durability
   * of its own (a lost one means a redelivery, which the client drops by message id), and one
   * fsync per ack frame was the relay's largest cost per message.
   */
  let deletes = new Map<string, string[]>();
  let timer: NodeJS.Timeout | null = null;
  /** The last commit met another process's lock: only the retry timer tries again. */
  let locked = false;
  let stopped = false;

  function schedule(delayMs: number): void {
    if (timer !== null || stopped) return;
    // The commit holds this thread until fsync returns, and the frames queued this turn reach
    // the wire only once control is back in the event loop (uWS writes corked sockets there):
    // committing at once would hold every push of the turn behind the disk. A short window
    // instead lets the pushes leave first, gathers more sends into the one commit, and lets
    // online recipients ack before it, sparing their envelopes the disk altogether.
    timer = setTimeout(() => {
      timer = null;
      flush();
    }, delayMs);
  }

  function take(id: string): PendingEnvelope | undefined {
    const entry = pending.get(id);
    if (entry === undefined) return undefined;
    pending.delete(id);
    bytes -= entry.row.body.byteLength;
    return entry;
  }

  /** Puts a batch that met a lock back in front of what arrived since, for the next try. */
  function restore(batch: Map<string, PendingEnvelope>, batchDeletes: Map<string, string[]>): void {
    for (const entry of pending.values()) batch.set(entry.row.id, entry);
    pending = batch;
    for (const [device, ids] of deletes)
      batchDeletes.set(device, [...(batchDeletes.get(device) ?? []), ...ids]);
    deletes = batchDeletes;
  }

  function flush(): boolean {
    if (pending.size === 0 && deletes.size === 0) return true;
    // Locked: only the retry timer tries again, so callers that must wait for a commit (a drain)
    // do not each spend the connection's busy wait on the event loop.
    if (locked && timer !== null) return false;
    const batch = pending;
    const batchDeletes = deletes;
    pending = new Map();
    deletes = new Map();
    try {
      store.commit(
        [...batch.values()].map((entry) => entry.row),
        batchDeletes,
      );
    } catch (error) {
      const lockConflict = isStorageLocked(error);
      locked = lockConflict && !stopped;
      // Nothing of the batch is stored (one transaction). Behind a lock, each envelope is kept
      // pending (still pushed to, and acked by, online recipients) until it has waited the
      // deadline; then, as on any other failure, its sender gets a coded error it can retry
      // with the same message id. Acked envelopes stay stored and are delivered again, which
      // the recipient drops by message id.
      const refused = locked
        ? [...batch.values()].filter((entry) => now() - entry.since >= busyDeadlineMs)
        : [...batch.values()];
      for (const entry of refused) batch.delete(entry.row.id);
      if (refused.length > 0) {
        log.error({ err: error, envelopes: refused.length }, 'could not store envelopes');
      }
      for (const entry of refused) {
        bytes -= entry.row.body.byteLength;
        options.onDropped(entry.row);
        entry.send.refuse(lockConflict ? 'STORAGE_BUSY' : 'STORAGE_FULL');
      }
      if (!locked) return true;
      restore(batch, batchDeletes);
      schedule(busyRetryMs);
      return false;
    }
    locked = false;
    for (const entry of batch.values()) {
      bytes -= entry.row.body.byteLength;
      entry.send.envelopeDone();
    }
    return true;
  }

  return {
    add(row, send) {
      pending.set(row.id, { row, send, since: now() });
      bytes += row.body.byteLength;
      schedule(windowMs);
    },
    acked(deviceId, envelopeId) {
      if (pending.get(envelopeId)?.row.recipientDeviceId === deviceId) {
        take(envelopeId)?.send.envelopeDone();
        return;
      }
      // Deleted in the next commit; a drain reads the mailbox only after a flush.
      const ids = deletes.get(deviceId);
      if (ids === undefined) deletes.set(deviceId, [envelopeId]);
      else ids.push(envelopeId);
      schedule(windowMs);
    },
    flush,
    pendingBytes: () => bytes,
    stop() {
      stopped = true;
      if (timer !== null) clearTimeout(timer);
      timer = null;
      flush();
    },
  };
}
