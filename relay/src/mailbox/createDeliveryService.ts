import { randomBytes } from 'node:crypto';
import {
  PROTOCOL_VERSION,
  ProtocolError,
  decodeClientFrame,
  readRequestId,
  type ClientFrame,
  type ProtocolErrorCode,
  type ServerFrame,
} from '@vaultroom/shared/protocol';
import { recordSecurityEvent } from '../audit/recordSecurityEvent.js';
import type { RateLimiter } from '../accounts/createRateLimiter.js';
import {
  checkHelloDevice,
  countOneTimePrekeys,
  fetchBundles,
  listDevices,
  lookupDevices,
  registerDevice,
  renameDevice,
  revokeDevice,
  uploadPrekeys,
} from '../devices/devices.js';
import type { Caller, DeliveryContext } from '../devices/DeliveryContext.js';
import type { EnvelopeRow, MailboxStore } from './createMailboxStore.js';
import { isStorageLocked } from '../http/isStorageUnavailable.js';

/** One device connection, as the transport gives it to the delivery service. */
export interface Connection {
  readonly id: number;
  readonly accountId: string;
  readonly sessionId: string;
  /** Queues a frame; the transport sends each socket's frames corked, once per loop turn. */
  send(frame: ServerFrame): void;
  /** True while the socket's send buffer is over its high-water mark. */
  congested(): boolean;
  close(code: number, reason: string): void;
}

export interface DeliveryService {
  open(conn: Connection): void;
  message(conn: Connection, data: Uint8Array, isBinary: boolean): void;
  /** The socket can take more (its buffer drained, or a batch was flushed): resume if held back. */
  drain(conn: Connection): void;
  close(conn: Connection): void;
  /** Commits what is pending and stops timers; call before closing the database. */
  stop(): void;
}

interface SendInFlight {
  readonly conn: Connection;
  readonly requestId: number;
  readonly msg: Uint8Array<ArrayBuffer>;
  remaining: number;
  settled: boolean;
}

interface PendingEnvelope {
  readonly row: EnvelopeRow;
  readonly send: SendInFlight;
}

interface ConnectionState {
  deviceId: string | null;
  helloDone: boolean;
  /** Highest mailbox seq pushed by a drain on this connection. */
  drainedSeq: number;
  draining: boolean;
  /**
   * Something was held back (a full send buffer or too many unacked pushes): the rest must come
   * from the mailbox, in order, once the connection can take it.
   */
  needsDrain: boolean;
  /** Envelopes pushed and not yet acked: never pushed twice on one connection. */
  readonly pushed: Set<string>;
  malformed: number;
  /** When this connection's last rate-limit refusal was recorded (ms), to record one a minute. */
  rateLimitRecordedAt: number;
}

/** How long a group commit waits for more sends and for acks (ms); a sender's `sent` waits too. */
const COMMIT_WINDOW_MS = 2;
/** Envelopes pushed per deliver frame while draining a backlog. */
const DRAIN_BATCH = 100;
/** Unacked pushes per connection before the relay waits for acks: bounds memory per reader. */
const MAX_UNACKED_PUSHES = 1000;
/** A connection sending this many malformed frames is closed. */
const MAX_MALFORMED = 3;

export interface DeliveryDeps {
  readonly ctx: DeliveryContext;
  readonly store: MailboxStore;
  readonly sendLimiter: RateLimiter;
  /**
   * Bundle fetches per account: each one hands out a one-time prekey of every device fetched, so
   * an unlimited fetcher could use up someone's prekeys (their first messages would then lose
   * the one-time DH).
   */
  readonly bundleLimiter: RateLimiter;
  /** Any request frame per connection: a cap on the work one socket can ask for. */
  readonly frameLimiter: RateLimiter;
  /** Closes the sockets of sessions ended here (device revoked). */
  readonly onSessionsEnded: (sessionIds: readonly string[]) => void;
  /** Told once per connection and minute that it was refused for rate, for the audit log. */
  readonly onRateLimited: (accountId: string, deviceId: string | null, what: string) => void;
}

/**
 * Store-and-forward between devices (PROTOCOL.md §2.6). The invariant: a sender is told `sent`
 * only when each envelope of its send is committed or already acked by its recipient device, and
 * a stored envelope is deleted only on its recipient's ack. Envelopes are pushed to connected
 * recipients at once; whatever is still unacked at the end of the loop turn is committed in one
 * transaction for every send of that turn (group commit).
 */
export function createDeliveryService(deps: DeliveryDeps): DeliveryService {
  const { ctx, store } = deps;
  const states = new Map<number, ConnectionState>();
  const byDevice = new Map<string, Set<Connection>>();
  const pending = new Map<string, PendingEnvelope>();
  /**
   * Stored envelopes acked this loop turn, by acking device: deleted in the turn's group commit.
   * A delete needs no durability of its own (a lost one means a redelivery, which the client
   * drops by message id), and one fsync per ack frame was the relay's largest cost per message.
   */
  const acked = new Map<string, string[]>();
  let flushScheduled = false;
  let stopped = false;

  const expiry = setInterval(() => {
    try {
      store.expire(ctx.now());
    } catch (error) {
      ctx.log.error({ err: error }, 'could not expire envelopes');
    }
  }, 60_000);
  expiry.unref();

  const stateOf = (conn: Connection): ConnectionState => {
    const state = states.get(conn.id);
    if (state === undefined) throw new Error('connection not open');
    return state;
  };
  const callerOf = (conn: Connection): Caller => ({
    accountId: conn.accountId,
    sessionId: conn.sessionId,
    deviceId: stateOf(conn).deviceId,
  });

  function fail(conn: Connection, id: number | null, code: ProtocolErrorCode): void {
    conn.send({ t: 'error', id, code });
  }

  function settle(send: SendInFlight): void {
    send.remaining -= 1;
    if (send.remaining === 0 && !send.settled) {
      send.settled = true;
      send.conn.send({ t: 'sent', id: send.requestId, msg: send.msg });
    }
  }

  /**
   * Group commit: everything still pending goes to disk, and every acked envelope leaves it, in
   * one transaction.
   */
  /** Commits this turn's work; false when it had to wait for another open transaction. */
  function flush(): boolean {
    flushScheduled = false;
    if (pending.size === 0 && acked.size === 0) return true;
    if (store.inTransaction()) {
      // Nested, the commit would be a savepoint of someone else's transaction: `sent` could
      // reach a sender for envelopes that a rollback then takes away. Try again shortly.
      scheduleFlush();
      return false;
    }
    const batch = [...pending.values()];
    pending.clear();
    const deletes = new Map(acked);
    acked.clear();
    try {
      store.commit(
        batch.map((entry) => entry.row),
        deletes,
      );
    } catch (error) {
      // Nothing of the batch is stored (one transaction): no sender is told `sent`, and each
      // gets a coded error it can retry with the same message ids. Acked envelopes stay stored
      // and are delivered again, which the recipient drops by message id.
      ctx.log.error({ err: error, envelopes: batch.length }, 'could not store envelopes');
      const code = isStorageLocked(error) ? 'STORAGE_BUSY' : 'STORAGE_FULL';
      for (const { send } of batch) {
        if (send.settled) continue;
        send.settled = true;
        fail(send.conn, send.requestId, code);
      }
      return true;
    }
    for (const { send } of batch) settle(send);
    return true;
  }

  function scheduleFlush(): void {
    if (flushScheduled || stopped) return;
    flushScheduled = true;
    // The commit holds this thread until fsync returns, and the frames queued this turn reach
    // the wire only once control is back in the event loop (uWS writes corked sockets there):
    // committing at once would hold every push of the turn behind the disk. A short window
    // instead lets the pushes leave first, gathers more sends into the one commit, and lets
    // online recipients ack before it, sparing their envelopes the disk altogether. Measured
    // here, a FULL commit costs about 300 µs of CPU (mostly the fsync), far more than the rest of
    // a message's path, so fewer commits are the relay's largest saving after corking.
    setTimeout(flush, COMMIT_WINDOW_MS);
  }

  function canPush(conn: Connection, state: ConnectionState): boolean {
    if (state.draining || state.needsDrain) return false;
    if (conn.congested() || state.pushed.size >= MAX_UNACKED_PUSHES) {
      state.needsDrain = true;
      return false;
    }
    return true;
  }

  /** Resumes a held-back connection once its buffer and unacked window allow. */
  function resume(conn: Connection): void {
    const state = states.get(conn.id);
    if (state === undefined || !state.needsDrain || state.draining) return;
    if (conn.congested() || state.pushed.size >= MAX_UNACKED_PUSHES / 2) return;
    drainMailbox(conn);
  }

  /** Pushes the backlog in order, a batch per loop turn, then says `queue-empty`. */
  function drainMailbox(conn: Connection): void {
    const state = states.get(conn.id);
    if (state === undefined || state.deviceId === null || stopped) return;
    // Envelopes accepted this turn go into the mailbox before it is read; if the commit has to
    // wait, so does the drain.
    if (!flush()) {
      setTimeout(() => {
        drainMailbox(conn);
      }, COMMIT_WINDOW_MS);
      return;
    }
    state.draining = true;
    state.needsDrain = false;
    const rows = store.after(state.deviceId, state.drainedSeq, DRAIN_BATCH, ctx.now());
    const fresh = rows.filter((row) => !state.pushed.has(row.id));
    if (fresh.length > 0) {
      conn.send({
        t: 'deliver',
        envelopes: fresh.map((row) => ({
          id: row.id,
          from: row.senderDeviceId,
          msg: row.msgId,
          body: row.body,
          at: row.acceptedAt,
        })),
      });
      for (const row of fresh) state.pushed.add(row.id);
    }
    const last = rows.at(-1);
    if (last !== undefined) state.drainedSeq = last.seq;
    if (rows.length === DRAIN_BATCH) {
      // More to come: next turn, or, when the socket or the unacked window is full, once it
      // empties (see resume: after a flush, on uWS's drain event, on acks).
      if (!conn.congested() && state.pushed.size < MAX_UNACKED_PUSHES) {
        setImmediate(() => {
          drainMailbox(conn);
        });
      } else {
        state.draining = false;
        state.needsDrain = true;
      }
      return;
    }
    state.draining = false;
    conn.send({ t: 'queue-empty' });
  }

  /** Records a rate-limit refusal, at most once a minute per connection. */
  function recordRateLimit(conn: Connection, what: string): void {
    const state = stateOf(conn);
    if (ctx.now() - state.rateLimitRecordedAt < 60_000) return;
    state.rateLimitRecordedAt = ctx.now();
    deps.onRateLimited(conn.accountId, state.deviceId, what);
  }

  function notifyPrekeysLow(deviceId: string, remaining: number): void {
    for (const conn of byDevice.get(deviceId) ?? []) conn.send({ t: 'prekeys-low', remaining });
  }

  function attachDevice(conn: Connection, deviceId: string): void {
    stateOf(conn).deviceId = deviceId;
    const set = byDevice.get(deviceId) ?? new Set();
    set.add(conn);
    byDevice.set(deviceId, set);
  }

  function acceptSend(conn: Connection, frame: Extract<ClientFrame, { t: 'send' }>): void {
    const state = stateOf(conn);
    if (state.deviceId === null) {
      fail(conn, frame.id, 'DEVICE_REQUIRED');
      return;
    }
    const limit = deps.sendLimiter.take(conn.accountId);
    if (!limit.allowed) {
      fail(conn, frame.id, 'RATE_LIMITED');
      recordRateLimit(conn, 'send');
      return;
    }
    const recipients = [...new Set(frame.to.map((entry) => entry.device))];
    if (recipients.length !== frame.to.length) {
      fail(conn, frame.id, 'MALFORMED_FRAME');
      return;
    }
    const live = store.liveDevices(recipients);
    if (live.size !== recipients.length) {
      fail(conn, frame.id, 'UNKNOWN_DEVICE');
      return;
    }
    const now = ctx.now();
    const send: SendInFlight = {
      conn,
      requestId: frame.id,
      msg: frame.msg,
      remaining: frame.to.length,
      settled: false,
    };
    for (const entry of frame.to) {
      const row: EnvelopeRow = {
        id: randomBytes(12).toString('base64url'),
        recipientDeviceId: entry.device,
        senderDeviceId: state.deviceId,
        msgId: frame.msg,
        body: entry.body,
        acceptedAt: now,
        expiresAt: now + ctx.settings.retentionMs,
      };
      pending.set(row.id, { row, send });
      for (const target of byDevice.get(entry.device) ?? []) {
        const targetState = stateOf(target);
        if (!canPush(target, targetState)) continue; // it will come from the mailbox
        target.send({
          t: 'deliver',
          envelopes: [
            {
              id: row.id,
              from: row.senderDeviceId,
              msg: row.msgId,
              body: row.body,
              at: row.acceptedAt,
            },
          ],
        });
        targetState.pushed.add(row.id);
      }
    }
    scheduleFlush();
  }

  function acceptAck(conn: Connection, envelopes: readonly string[]): void {
    const state = stateOf(conn);
    if (state.deviceId === null) {
      fail(conn, null, 'DEVICE_REQUIRED');
      return;
    }
    let stored = acked.get(state.deviceId);
    for (const id of envelopes) {
      state.pushed.delete(id);
      const entry = pending.get(id);
      // Acked before its group commit: it never needs to touch the disk.
      if (entry?.row.recipientDeviceId === state.deviceId) {
        pending.delete(id);
        settle(entry.send);
      } else {
        // Deleted in this turn's group commit; a drain reads the mailbox only after a flush.
        if (stored === undefined) {
          stored = [];
          acked.set(state.deviceId, stored);
        }
        stored.push(id);
      }
    }
    if (acked.size > 0) scheduleFlush();
    // Acks open the window again for a reader that had too many unacked pushes.
    resume(conn);
  }

  async function request(
    conn: Connection,
    frame: Exclude<ClientFrame, { t: 'hello' | 'send' | 'ack' }>,
  ): Promise<void> {
    const caller = callerOf(conn);
    switch (frame.t) {
      case 'register-device': {
        if (caller.deviceId !== null)
          throw new ProtocolError('FORBIDDEN', 'this connection has a device');
        const device = await registerDevice(ctx, caller, frame);
        attachDevice(conn, device);
        conn.send({ t: 'device-registered', id: frame.id, device });
        return;
      }
      case 'upload-prekeys': {
        const count = await uploadPrekeys(ctx, caller, frame);
        conn.send({ t: 'prekeys-stored', id: frame.id, oneTimePrekeys: count });
        return;
      }
      case 'fetch-bundles': {
        if (caller.deviceId === null) throw new ProtocolError('DEVICE_REQUIRED');
        if (!deps.bundleLimiter.take(conn.accountId).allowed) {
          recordRateLimit(conn, 'fetch-bundles');
          throw new ProtocolError('RATE_LIMITED');
        }
        const bundles = await fetchBundles(ctx, frame.account, notifyPrekeysLow);
        conn.send({ t: 'bundles', id: frame.id, bundles });
        return;
      }
      case 'list-devices':
        conn.send({ t: 'devices', id: frame.id, devices: await listDevices(ctx, caller) });
        return;
      case 'lookup-devices':
        if (caller.deviceId === null) throw new ProtocolError('DEVICE_REQUIRED');
        conn.send({
          t: 'device-owners',
          id: frame.id,
          devices: await lookupDevices(ctx, frame.devices),
        });
        return;
      case 'rename-device':
        await renameDevice(ctx, caller, frame);
        conn.send({ t: 'done', id: frame.id });
        return;
      case 'revoke-device': {
        const ended = await revokeDevice(ctx, caller, frame.device);
        conn.send({ t: 'done', id: frame.id });
        for (const target of [...(byDevice.get(frame.device) ?? [])])
          target.close(1008, 'device revoked');
        deps.onSessionsEnded(ended);
        return;
      }
      case 'ping':
        conn.send({ t: 'done', id: frame.id });
        return;
    }
  }

  async function hello(
    conn: Connection,
    frame: Extract<ClientFrame, { t: 'hello' }>,
  ): Promise<void> {
    const state = stateOf(conn);
    if (state.helloDone) throw new ProtocolError('FORBIDDEN', 'hello was already accepted');
    if (frame.v !== PROTOCOL_VERSION) {
      fail(conn, null, 'UNSUPPORTED_VERSION');
      conn.close(1002, 'unsupported protocol version');
      return;
    }
    if (frame.device !== null) {
      await checkHelloDevice(ctx, callerOf(conn), frame.device);
      attachDevice(conn, frame.device);
    }
    state.helloDone = true;
    conn.send({ t: 'welcome', v: PROTOCOL_VERSION, device: state.deviceId, time: ctx.now() });
    if (state.deviceId !== null) {
      drainMailbox(conn);
      const remaining = await countOneTimePrekeys(ctx, state.deviceId);
      if (remaining < ctx.settings.lowPrekeyThreshold) conn.send({ t: 'prekeys-low', remaining });
    }
  }

  function refuseMalformed(conn: Connection, data: Uint8Array, code: ProtocolErrorCode): void {
    const state = stateOf(conn);
    state.malformed += 1;
    fail(conn, readRequestId(data), code);
    if (state.malformed === 1) {
      recordSecurityEvent(ctx.db, {
        type: 'malformed_frame',
        outcome: 'failure',
        actorAccountId: conn.accountId,
        actorDeviceId: state.deviceId,
        details: { code },
      }).catch((error: unknown) => {
        ctx.log.error({ err: error }, 'could not record a security event');
      });
    }
    if (state.malformed >= MAX_MALFORMED) conn.close(1002, 'malformed frames');
  }

  return {
    open(conn) {
      states.set(conn.id, {
        deviceId: null,
        helloDone: false,
        drainedSeq: 0,
        draining: false,
        pushed: new Set(),
        malformed: 0,
        rateLimitRecordedAt: 0,
        needsDrain: false,
      });
    },
    message(conn, data, isBinary) {
      if (!states.has(conn.id)) return;
      if (!isBinary) {
        refuseMalformed(conn, data, 'MALFORMED_FRAME');
        return;
      }
      let frame: ClientFrame;
      try {
        frame = decodeClientFrame(data);
      } catch (error) {
        refuseMalformed(
          conn,
          data,
          error instanceof ProtocolError ? error.code : 'MALFORMED_FRAME',
        );
        return;
      }
      const state = stateOf(conn);
      if (frame.t !== 'ack' && !deps.frameLimiter.take(String(conn.id)).allowed) {
        fail(conn, 'id' in frame ? frame.id : null, 'RATE_LIMITED');
        recordRateLimit(conn, 'frames');
        return;
      }
      if (frame.t !== 'hello' && !state.helloDone) {
        fail(conn, 'id' in frame ? frame.id : null, 'HELLO_REQUIRED');
        return;
      }
      if (frame.t === 'send') {
        acceptSend(conn, frame);
        return;
      }
      if (frame.t === 'ack') {
        acceptAck(conn, frame.envelopes);
        return;
      }
      const work = frame.t === 'hello' ? hello(conn, frame) : request(conn, frame);
      work.catch((error: unknown) => {
        const id = 'id' in frame ? frame.id : null;
        if (error instanceof ProtocolError) {
          fail(conn, id, error.code);
          return;
        }
        ctx.log.error({ err: error, frame: frame.t }, 'request failed');
        fail(conn, id, 'INTERNAL');
      });
    },
    drain(conn) {
      resume(conn);
    },
    close(conn) {
      const state = states.get(conn.id);
      states.delete(conn.id);
      if (state !== undefined && state.deviceId !== null) {
        const set = byDevice.get(state.deviceId);
        set?.delete(conn);
        if (set?.size === 0) byDevice.delete(state.deviceId);
      }
    },
    stop() {
      stopped = true;
      clearInterval(expiry);
      flush();
    },
  };
}
