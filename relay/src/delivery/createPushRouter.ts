import { fitDeliverBatch, type ServerFrame } from '@vaultroom/shared/protocol';
import type { Logger } from '../log/createLogger.js';
import type { GroupCommit } from '../mailbox/createGroupCommit.js';
import type { EnvelopeRow, MailboxStore } from '../mailbox/createMailboxStore.js';

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

/** What the relay remembers of an envelope pushed on a connection until the device acks it. */
export interface PushedEnvelope {
  readonly bytes: number;
  readonly senderAccountId: string | null;
}

/** A row as pushed: a stored one, or one just accepted, with its sender's account. */
export type PushRow = EnvelopeRow & { readonly senderAccountId: string | null };

interface PushState {
  deviceId: string | null;
  /** Highest mailbox seq pushed by a drain on this connection. */
  drainedSeq: number;
  /** A drain is running: from its first read to its `queue-empty` or its hold-back. */
  draining: boolean;
  /**
   * Envelopes offered and not pushed while a drain ran. One held back during a batch may have
   * been committed after that batch's read, so the drain reads again before `queue-empty`.
   */
  heldBackWhileDraining: number;
  /**
   * Something was held back (a full send buffer or too many unacked pushes): the rest must come
   * from the mailbox, in order, once the connection can take it.
   */
  needsDrain: boolean;
  /** Envelopes pushed and not yet acked: never pushed twice on one connection. */
  readonly pushed: Map<string, PushedEnvelope>;
  /**
   * Envelopes stored for this device and not yet pushed on this connection: counted at hello,
   * kept by counting, and zero whenever a drain reaches the end of the mailbox.
   */
  unpushed: number;
  /** The next read starts from the mailbox's beginning (a catch-up: see `wake`). */
  rewind: boolean;
}

export interface PushRouter {
  open(conn: Connection): void;
  close(conn: Connection): void;
  /** The device this connection speaks for, once its hello or registration named one. */
  deviceOf(conn: Connection): string | null;
  attach(conn: Connection, deviceId: string): void;
  connectionsOf(deviceId: string): readonly Connection[];
  /** A new envelope: pushed at once on each connection of its device that can take it. */
  offer(row: PushRow): void;
  /** Pushes the device's stored backlog on a connection that just said hello. */
  startDrain(conn: Connection): void;
  /** The socket can take more, or acks arrived: resume a held-back connection. */
  resume(conn: Connection): void;
  /** The envelope if it was pushed on this connection and not acked yet; it is acked now. */
  takeAcked(conn: Connection, envelopeId: string): PushedEnvelope | undefined;
  /**
   * Another relay committed envelopes for this device: read them from the mailbox on each of its
   * connections here. `fromStart` reads the whole mailbox again, for a catch-up after wake-ups
   * may have been lost or envelopes committed out of order by two relays.
   */
  wake(deviceId: string, fromStart: boolean): void;
  /** The devices with a connection here. */
  devices(): string[];
  /** Envelopes a connected device is behind, on its least-behind connection; 0 if offline. */
  lagOf(deviceId: string): number;
  stop(): void;
}

export interface PushRouterOptions {
  readonly store: MailboxStore;
  readonly commit: GroupCommit;
  readonly now: () => number;
  readonly log: Logger;
  /** A device got its first connection here (true) or lost its last one (false). */
  readonly onPresence?: (deviceId: string, connected: boolean) => void;
}

/** Envelopes pushed per deliver frame while draining a backlog, if they fit in one frame. */
const DRAIN_BATCH = 100;
/** Unacked pushes per connection before the relay waits for acks: bounds memory per reader. */
const MAX_UNACKED_PUSHES = 1000;
/** While the commit before a drain waits out a lock, how often the drain looks again (ms). */
const LOCKED_RETRY_MS = 10;
/** After a read of the mailbox failed (the database out of reach), when the drain tries again. */
const FAILED_RETRY_MS = 1000;

const toWire = (row: EnvelopeRow) => ({
  id: row.id,
  from: row.senderDeviceId,
  msg: row.msgId,
  body: row.body,
  at: row.acceptedAt,
});

/**
 * Which connections each device has, what was pushed on each, and the drain of a mailbox onto
 * one (PROTOCOL.md §2.6 "Order and flow"). A connection gets new envelopes as they are accepted
 * until its send buffer or its unacked window is full; from then on the rest come from the
 * mailbox, in order, as soon as it can take them again.
 */
export function createPushRouter(options: PushRouterOptions): PushRouter {
  const { store, commit, now } = options;
  const states = new Map<number, PushState>();
  const byDevice = new Map<string, Set<Connection>>();
  let stopped = false;

  const stateOf = (conn: Connection): PushState => {
    const state = states.get(conn.id);
    if (state === undefined) throw new Error('connection not open');
    return state;
  };
  /** The connection still has this state: not closed (and reopened) while a drain awaited. */
  const stillOpen = (conn: Connection, state: PushState) =>
    !stopped && states.get(conn.id) === state;

  function canPush(conn: Connection, state: PushState): boolean {
    if (state.draining || state.needsDrain) return false;
    if (conn.congested() || state.pushed.size >= MAX_UNACKED_PUSHES) {
      state.needsDrain = true;
      return false;
    }
    return true;
  }

  function push(conn: Connection, state: PushState, rows: readonly PushRow[]): void {
    conn.send({ t: 'deliver', envelopes: rows.map(toWire) });
    for (const row of rows) {
      state.pushed.set(row.id, {
        bytes: row.body.byteLength,
        senderAccountId: row.senderAccountId,
      });
    }
  }

  function resume(conn: Connection): void {
    const state = states.get(conn.id);
    if (state === undefined || !state.needsDrain || state.draining) return;
    if (conn.congested() || state.pushed.size >= MAX_UNACKED_PUSHES) return;
    startDrainOf(conn, state);
  }

  /**
   * Runs a drain on a connection with none running; a failed read is tried again later. A drain
   * that is not `announced` (a wake-up's) ends without `queue-empty`: it pushes new envelopes.
   */
  function startDrainOf(
    conn: Connection,
    state: PushState,
    counting = false,
    announced = true,
  ): void {
    if (state.deviceId === null || state.draining || stopped) return;
    state.draining = true;
    state.needsDrain = false;
    drainMailbox(conn, state, state.deviceId, counting, announced).catch((error: unknown) => {
      if (!stillOpen(conn, state)) return;
      options.log.error({ err: error }, 'could not read a mailbox');
      state.draining = false;
      state.needsDrain = true;
      setTimeout(() => {
        resume(conn);
      }, FAILED_RETRY_MS).unref();
    });
  }

  /**
   * Pushes the backlog in order, a frame per loop turn, then says `queue-empty`. A frame holds at
   * most DRAIN_BATCH envelopes, no more than the unacked window has room for, and never more
   * bytes than a decoder accepts (§2.3): one envelope of the largest size always fits.
   *
   * Offers to the connection are held back while it runs (they come from the mailbox, in order).
   * One offered during a batch may be committed after that batch's read: so the last batch ends
   * in `queue-empty` only if nothing was offered since its flush began, and else reads again.
   */
  async function drainMailbox(
    conn: Connection,
    state: PushState,
    deviceId: string,
    counting: boolean,
    announced: boolean,
  ): Promise<void> {
    if (counting) {
      const stored = await store.count(deviceId, now());
      if (!stillOpen(conn, state)) return;
      // Offers counted meanwhile may be in the count too: lag is an upper bound until the end.
      state.unpushed = Math.max(state.unpushed, stored);
    }
    for (;;) {
      if (state.rewind) {
        state.rewind = false;
        state.drainedSeq = 0;
      }
      const heldBack = state.heldBackWhileDraining;
      // Envelopes accepted before this read go into the mailbox before it; if the commit has to
      // wait out a lock, so does the drain. Acks need not land first: their envelopes are skipped.
      if (!(await commit.readyToRead())) {
        await new Promise((resolve) => setTimeout(resolve, LOCKED_RETRY_MS));
        if (!stillOpen(conn, state)) return;
        continue;
      }
      if (!stillOpen(conn, state)) return;
      const room = Math.min(DRAIN_BATCH, MAX_UNACKED_PUSHES - state.pushed.size);
      const rows = room > 0 ? await store.after(deviceId, state.drainedSeq, room, now()) : [];
      if (!stillOpen(conn, state)) return;
      const fresh = rows.filter(
        (row) => !state.pushed.has(row.id) && !commit.deletePending(deviceId, row.id),
      );
      const fitting = fitDeliverBatch(fresh.map(toWire));
      const batch = fresh.slice(0, fitting);
      if (batch.length > 0) push(conn, state, batch);
      state.unpushed = Math.max(0, state.unpushed - batch.length);
      // Rows before the first one left out are done with (pushed now or earlier).
      const firstLeftOut = fresh[fitting];
      const cut = firstLeftOut !== undefined;
      const last = cut ? rows[rows.indexOf(firstLeftOut) - 1] : rows.at(-1);
      if (last !== undefined) state.drainedSeq = last.seq;
      if (room <= 0 || cut || rows.length === room) {
        // More to come: next turn, or, when the socket or the unacked window is full, once it
        // empties (see resume: after a flush, on uWS's drain event, on acks).
        if (conn.congested() || state.pushed.size >= MAX_UNACKED_PUSHES) {
          state.draining = false;
          state.needsDrain = true;
          return;
        }
        await new Promise((resolve) => setImmediate(resolve));
        if (!stillOpen(conn, state)) return;
        continue;
      }
      if (state.heldBackWhileDraining !== heldBack) continue;
      state.draining = false;
      state.unpushed = 0;
      if (announced) conn.send({ t: 'queue-empty' });
      return;
    }
  }

  return {
    open(conn) {
      states.set(conn.id, {
        deviceId: null,
        drainedSeq: 0,
        draining: false,
        heldBackWhileDraining: 0,
        needsDrain: false,
        pushed: new Map(),
        unpushed: 0,
        rewind: false,
      });
    },
    close(conn) {
      const state = states.get(conn.id);
      states.delete(conn.id);
      if (state === undefined || state.deviceId === null) return;
      const set = byDevice.get(state.deviceId);
      set?.delete(conn);
      if (set?.size === 0) {
        byDevice.delete(state.deviceId);
        options.onPresence?.(state.deviceId, false);
      }
    },
    deviceOf: (conn) => stateOf(conn).deviceId,
    attach(conn, deviceId) {
      stateOf(conn).deviceId = deviceId;
      const set = byDevice.get(deviceId) ?? new Set();
      set.add(conn);
      if (set.size === 1) {
        byDevice.set(deviceId, set);
        options.onPresence?.(deviceId, true);
      }
    },
    connectionsOf: (deviceId) => [...(byDevice.get(deviceId) ?? [])],
    offer(row) {
      for (const target of byDevice.get(row.recipientDeviceId) ?? []) {
        const state = stateOf(target);
        if (canPush(target, state)) {
          push(target, state, [row]);
          continue;
        }
        state.unpushed += 1; // it will come from the mailbox
        if (state.draining) state.heldBackWhileDraining += 1;
      }
    },
    startDrain(conn) {
      startDrainOf(conn, stateOf(conn), true);
    },
    resume,
    takeAcked(conn, envelopeId) {
      const state = stateOf(conn);
      const pushed = state.pushed.get(envelopeId);
      if (pushed !== undefined) state.pushed.delete(envelopeId);
      return pushed;
    },
    wake(deviceId, fromStart) {
      for (const conn of byDevice.get(deviceId) ?? []) {
        const state = stateOf(conn);
        if (fromStart) state.rewind = true;
        // A drain running reads again before it ends; a held-back one reads when it resumes.
        if (state.draining) state.heldBackWhileDraining += 1;
        else if (!state.needsDrain) startDrainOf(conn, state, false, false);
      }
    },
    devices: () => [...byDevice.keys()],
    lagOf(deviceId) {
      let lag = Infinity;
      for (const conn of byDevice.get(deviceId) ?? []) {
        const state = stateOf(conn);
        lag = Math.min(lag, state.unpushed + state.pushed.size);
      }
      return lag === Infinity ? 0 : lag;
    },
    stop() {
      stopped = true;
    },
  };
}
