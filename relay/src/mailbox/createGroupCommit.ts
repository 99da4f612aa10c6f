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
   * Resolves once every envelope added and every ack taken before the call is committed (or
   * given up: its sender refused), after the commit in flight if there is one. False when it
   * could not (the database is locked or out of reach for now): it is retried shortly, and a
   * reader of the mailbox must wait for it.
   */
  flush(): Promise<boolean>;
  /**
   * For a reader of the mailbox: resolves once every envelope added before the call is in it, as
   * flush does, but without waiting for acks to be committed (a drain that waited for every
   * delete, while thousands of devices ack, would wait for a commit at every batch). The reader
   * skips what `deletePending` names instead. False as for flush.
   */
  readyToRead(): Promise<boolean>;
  /** The device acked this envelope and its delete is not committed yet. */
  deletePending(deviceId: string, envelopeId: string): boolean;
  /** Body bytes accepted and not yet committed or acked: bounded by the caller's backpressure. */
  pendingBytes(): number;
  /** Stops the timers and resolves once the commit in flight and one last commit are done. */
  stop(): Promise<void>;
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
 * One commit is in flight at a time (the store's commit is asynchronous: on PostgreSQL it is a
 * round trip): what arrives meanwhile goes in the next one, which starts when it ends. An ack of
 * an envelope still pending settles it with no write; an ack of one in flight becomes a delete in
 * the next commit, which runs after the insert has landed.
 *
 * A database locked by another process (or, on PostgreSQL, out of reach for a moment) is waited
 * out without holding the event loop: the connection's own busy wait is short, and a commit that
 * meets the lock keeps its envelopes pending (still pushed to, and acked by, online recipients)
 * and is retried from a timer until the deadline, after which its senders are refused with
 * `STORAGE_BUSY` and retry.
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
  /** The commit in flight, and the one queued behind it for what arrived since. */
  let running: Promise<boolean> | null = null;
  let queued: Promise<boolean> | null = null;
  /** What the commit in flight holds: whether any envelope, and which deletes. */
  let runningHasRows = false;
  let runningDeletes = new Map<string, string[]>();

  function schedule(delayMs: number): void {
    if (timer !== null || stopped) return;
    // The commit holds this thread until fsync returns (on SQLite), and the frames queued this
    // turn reach the wire only once control is back in the event loop (uWS writes corked sockets
    // there): committing at once would hold every push of the turn behind the disk. A short
    // window instead lets the pushes leave first, gathers more sends into the one commit, and
    // lets online recipients ack before it, sparing their envelopes the disk altogether.
    timer = setTimeout(() => {
      timer = null;
      void flush();
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

  function flush(): Promise<boolean> {
    // Behind the commit in flight: the queued one takes everything pending when it starts.
    if (queued !== null) return queued;
    if (running !== null) {
      if (pending.size === 0 && deletes.size === 0) return running;
      const startNext = () => {
        queued = null;
        return commitNow();
      };
      const after = running.then(startNext, startNext);
      queued = after;
      return after;
    }
    return commitNow();
  }

  /** Starts a commit of everything pending, with none in flight. */
  function commitNow(): Promise<boolean> {
    if (pending.size === 0 && deletes.size === 0) return Promise.resolve(true);
    // Locked: only the retry timer tries again, so callers that must wait for a commit (a drain)
    // do not each spend the connection's busy wait on the event loop.
    if (locked && timer !== null) return Promise.resolve(false);
    const batch = pending;
    const batchDeletes = deletes;
    pending = new Map();
    deletes = new Map();
    const rows = [...batch.values()].map((entry) => entry.row);
    runningHasRows = rows.length > 0;
    runningDeletes = batchDeletes;
    const done = store.commit(rows, batchDeletes).then(
      () => {
        locked = false;
        for (const entry of batch.values()) {
          bytes -= entry.row.body.byteLength;
          entry.send.envelopeDone();
        }
        return true;
      },
      (error: unknown) => failed(error, batch, batchDeletes),
    );
    const current = done.finally(() => {
      if (running !== current) return;
      running = null;
      runningHasRows = false;
      runningDeletes = new Map();
    });
    running = current;
    return current;
  }

  /** A commit that stored nothing of its batch (one transaction): wait or refuse, per envelope. */
  function failed(
    error: unknown,
    batch: Map<string, PendingEnvelope>,
    batchDeletes: Map<string, string[]>,
  ): boolean {
    const lockConflict = isStorageLocked(error);
    locked = lockConflict && !stopped;
    // Behind a lock, each envelope is kept pending (still pushed to, and acked by, online
    // recipients) until it has waited the deadline; then, as on any other failure, its sender
    // gets a coded error it can retry with the same message id. Acked envelopes stay stored and
    // are delivered again, which the recipient drops by message id.
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
      // Stored, or in the commit in flight: deleted in the next commit, which starts only after
      // the one in flight ended. A drain reads the mailbox only after a flush.
      const ids = deletes.get(deviceId);
      if (ids === undefined) deletes.set(deviceId, [envelopeId]);
      else ids.push(envelopeId);
      schedule(windowMs);
    },
    flush,
    readyToRead() {
      if (pending.size > 0) return flush();
      return runningHasRows && running !== null ? running : Promise.resolve(true);
    },
    deletePending: (deviceId, envelopeId) =>
      deletes.get(deviceId)?.includes(envelopeId) === true ||
      runningDeletes.get(deviceId)?.includes(envelopeId) === true,
    pendingBytes: () => bytes,
    async stop() {
      stopped = true;
      if (timer !== null) clearTimeout(timer);
      timer = null;
      // The commit in flight (and any queued behind it) ends first; then one last try.
      await (queued ?? running);
      await flush();
    },
  };
}
