import { LIMITS } from '../protocol/index.js';
import { backoffDelay, type BackoffOptions } from './backoffDelay.js';
import { checkSend } from './checkSend.js';
import type { Clock } from './Clock.js';
import type { SendState, SendUpdate } from './DeliveryClient.js';
import { DeliveryError, type DeliveryErrorCode } from './DeliveryError.js';
import type { DeliveryIssue } from './DeliveryIssue.js';
import { isTransientSendError } from './isTransientSendError.js';
import { messageKey } from './messageKey.js';
import type { OutboxRecipient, OutboxRecord, OutboxStore } from './OutboxStore.js';
import type { RequestOutcome, RequestWire } from './RequestWire.js';

export interface OutboxOptions {
  readonly store: OutboxStore;
  readonly wire: RequestWire;
  readonly clock: Clock;
  readonly backoff: BackoffOptions;
  readonly random: () => number;
  readonly randomBytes: (length: number) => Uint8Array;
  readonly emit: (update: SendUpdate) => void;
  readonly report: (issue: DeliveryIssue) => void;
}

export interface Outbox {
  add(to: readonly OutboxRecipient[], msg?: Uint8Array): Promise<Uint8Array>;
  state(msg: Uint8Array): SendState | undefined;
  /** A new connection was welcomed: resend everything unacknowledged, in order, now. */
  connected(): void;
  /** The client stopped: no more retries. Records stay in the store for the next run. */
  stop(): void;
}

interface Entry {
  readonly record: OutboxRecord;
  state: 'queued' | 'sending';
  /** Transient refusals since the last welcome, for the retry backoff. */
  failures: number;
  cancelRetry: (() => void) | null;
}

/** Outcomes that say nothing about the send, only that the connection went away. */
const CONNECTION_LOST: ReadonlySet<DeliveryErrorCode> = new Set<DeliveryErrorCode>([
  'DISCONNECTED',
  'CLOSED',
  'SIGNED_OUT',
  'UNSUPPORTED_VERSION',
]);

/**
 * The sender's half of PROTOCOL.md §2.6: every send is persisted, then sent, and kept until the
 * relay answers `sent` for its `msg`; resends reuse the `msg`, so the relay stores it once.
 */
export function createOutbox(options: OutboxOptions): Outbox {
  const { store, wire, clock } = options;
  /** In enqueue order: Map iteration follows insertion, and entries are inserted by `seq`. */
  const entries = new Map<string, Entry>();
  let nextSeq = 0;
  let stopped = false;

  const loaded = store.load().then(
    (records) => {
      for (const record of [...records].sort((a, b) => a.seq - b.seq)) insert(record);
    },
    (error: unknown) => {
      options.report({ kind: 'outbox-store-failed', error });
    },
  );
  loaded.then(flush, () => undefined);

  function insert(record: OutboxRecord): void {
    const key = messageKey(record.msg);
    if (entries.has(key)) return;
    nextSeq = Math.max(nextSeq, record.seq + 1);
    entries.set(key, { record, state: 'queued', failures: 0, cancelRetry: null });
    options.emit({ msg: record.msg, state: 'queued' });
  }

  /** Puts every queued send on the wire, oldest first, unless it is waiting out a retry. */
  function flush(): void {
    for (const [key, entry] of entries) {
      if (stopped || !wire.ready()) return;
      if (entry.state !== 'queued' || entry.cancelRetry !== null) continue;
      entry.state = 'sending';
      options.emit({ msg: entry.record.msg, state: 'sending' });
      const sent = wire.send({
        build: (id) => ({ t: 'send', id, msg: entry.record.msg, to: [...entry.record.to] }),
        onOutcome: (outcome) => {
          settle(key, outcome);
        },
      });
      if (!sent) requeue(key, 'DISCONNECTED', false);
    }
  }

  function settle(key: string, outcome: RequestOutcome): void {
    const entry = entries.get(key);
    if (entry === undefined) return;
    if (outcome instanceof DeliveryError) {
      requeue(key, outcome.code, !CONNECTION_LOST.has(outcome.code));
      return;
    }
    if (outcome.t === 'sent' && messageKey(outcome.msg) === key) {
      forget(key, entry, { msg: entry.record.msg, state: 'sent' });
      return;
    }
    if (outcome.t !== 'error') {
      options.report({ kind: 'unexpected-frame', t: outcome.t });
      requeue(key, 'UNEXPECTED_REPLY', true);
      return;
    }
    if (isTransientSendError(outcome.code)) requeue(key, outcome.code, true);
    else forget(key, entry, { msg: entry.record.msg, state: 'failed', code: outcome.code });
  }

  function forget(key: string, entry: Entry, update: SendUpdate): void {
    entries.delete(key);
    entry.cancelRetry?.();
    // Told at once: if the delete fails the send is merely resent after a restart, and the relay
    // stores a retried `msg` once (§2.6).
    store.delete(entry.record.msg).catch((error: unknown) => {
      options.report({ kind: 'outbox-store-failed', error });
    });
    options.emit(update);
  }

  /**
   * Back to `queued`. A refusal or timeout (`retryLater`) waits out a backoff; a lost connection
   * just waits for the next welcome, which resends everything in order.
   */
  function requeue(key: string, code: DeliveryErrorCode, retryLater: boolean): void {
    const entry = entries.get(key);
    if (entry === undefined) return;
    entry.state = 'queued';
    entry.cancelRetry?.();
    entry.cancelRetry = null;
    if (retryLater && !stopped) {
      const delay = backoffDelay(entry.failures, options.backoff, options.random);
      entry.failures += 1;
      entry.cancelRetry = clock.schedule(delay, () => {
        entry.cancelRetry = null;
        flush();
      });
    }
    options.emit({ msg: entry.record.msg, state: 'queued', code });
  }

  return {
    async add(to, msgId) {
      // Copied so a caller reusing its buffers cannot change a send already in the outbox.
      const msg = (msgId ?? options.randomBytes(LIMITS.messageIdBytes)).slice();
      const copy = to.map(({ device, body }) => ({ device, body: body.slice() }));
      checkSend({ msg, to: copy });
      await loaded;
      if (entries.has(messageKey(msg))) return msg;
      const record: OutboxRecord = { msg, to: copy, seq: nextSeq, createdAt: clock.now() };
      nextSeq += 1;
      try {
        await store.save(record);
      } catch (error) {
        throw new DeliveryError('OUTBOX_STORE_FAILED', 'could not persist the send', {
          cause: error,
        });
      }
      insert(record);
      flush();
      return msg;
    },
    state(msg) {
      return entries.get(messageKey(msg))?.state;
    },
    connected() {
      for (const entry of entries.values()) {
        entry.cancelRetry?.();
        entry.cancelRetry = null;
        entry.failures = 0;
      }
      flush();
    },
    stop() {
      stopped = true;
      for (const entry of entries.values()) {
        entry.cancelRetry?.();
        entry.cancelRetry = null;
      }
    },
  };
}
