import {
  PROTOCOL_VERSION,
  ProtocolError,
  decodeClientFrame,
  readRequestId,
  type ClientFrame,
  type ProtocolErrorCode,
} from '@vaultroom/shared/protocol';
import { recordSecurityEvent } from '../audit/recordSecurityEvent.js';
import { handleDeviceRequest, type DeviceRequest } from './handleDeviceRequest.js';
import { checkHelloDevice } from '../devices/checkHelloDevice.js';
import { countOneTimePrekeys } from '../devices/countOneTimePrekeys.js';
import type { Caller } from './DeliveryContext.js';
import { createGroupCommit } from '../mailbox/createGroupCommit.js';
import { createMailboxQuotas } from '../mailbox/createMailboxQuotas.js';
import { createPushRouter, type Connection } from './createPushRouter.js';
import { createSendPath } from './createSendPath.js';
import type { DeliveryDeps, DeliveryService } from './DeliveryService.js';
import { createInProcessFanout } from './Fanout.js';
import { wakeAfterCommit } from './wakeAfterCommit.js';

export type { Connection } from './createPushRouter.js';
export type { DeliveryDeps, DeliveryLimits, DeliveryService } from './DeliveryService.js';

/** What the delivery service keeps of a connection besides its pushes. */
interface ConnectionState {
  readonly conn: Connection;
  helloDone: boolean;
  malformed: number;
  /** When this connection's last rate-limit refusal was recorded (ms), to record one a minute. */
  rateLimitRecordedAt: number;
}

/** A connection sending this many malformed frames is closed. */
const MAX_MALFORMED = 3;

/**
 * Store-and-forward between devices (PROTOCOL.md §2.6). The invariant: a sender is told `sent`
 * only when each envelope of its send is committed or already acked by its recipient device, and
 * a stored envelope is deleted only on its recipient's ack. Envelopes are pushed to connected
 * recipients at once; whatever is still unacked at the end of a short window is committed in one
 * transaction for every send of that window (group commit).
 */
export function createDeliveryService(deps: DeliveryDeps): DeliveryService {
  const { ctx, store, limits } = deps;
  const states = new Map<number, ConnectionState>();
  const quotas = createMailboxQuotas(store, limits.quotas);
  const fanout = deps.fanout ?? createInProcessFanout();
  const commit = createGroupCommit({
    // Other relays hear of an envelope only once it is durable, so what they read is there.
    store: wakeAfterCommit(store, fanout),
    log: ctx.log,
    now: ctx.now,
    onDropped: (row) => {
      quotas.remove(null, { device: row.recipientDeviceId, bytes: row.body.byteLength });
    },
  });
  const router = createPushRouter({
    store,
    commit,
    now: ctx.now,
    log: ctx.log,
    onPresence: (deviceId, connected) => {
      fanout.presenceChanged(deviceId, connected);
    },
  });
  fanout.listen({
    wake: (deviceId) => {
      router.wake(deviceId, false);
    },
    catchUp: () => {
      for (const deviceId of router.devices()) router.wake(deviceId, true);
    },
    devicesRevoked: (deviceIds) => {
      for (const deviceId of deviceIds) closeRevoked(deviceId);
    },
    connectedDevices: () => router.devices(),
  });

  function closeRevoked(deviceId: string): void {
    for (const target of router.connectionsOf(deviceId)) target.close(1008, 'device revoked');
    quotas.reset();
  }

  const expiry = setInterval(() => {
    store
      .expire(ctx.now())
      .catch((error: unknown) => {
        ctx.log.error({ err: error }, 'could not expire envelopes');
      })
      .finally(() => {
        quotas.reset();
      });
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
    deviceId: router.deviceOf(conn),
  });

  function fail(conn: Connection, id: number | null, code: ProtocolErrorCode): void {
    conn.send({ t: 'error', id, code });
  }

  /** A rate-limit refusal; a connection that keeps earning them is closed (policy, 1008). */
  function refuseAbuse(conn: Connection, what: string): void {
    recordRateLimit(conn, what);
    if (!deps.abuseLimiter.take(String(conn.id), ctx.now()).allowed) {
      conn.close(1008, 'rate limits exceeded');
    }
  }

  /** Records a rate-limit refusal, at most once a minute per connection. */
  function recordRateLimit(conn: Connection, what: string): void {
    const state = stateOf(conn);
    if (ctx.now() - state.rateLimitRecordedAt < 60_000) return;
    state.rateLimitRecordedAt = ctx.now();
    deps.onRateLimited(conn.accountId, router.deviceOf(conn), what);
  }

  function notifyPrekeysLow(deviceId: string, remaining: number): void {
    for (const conn of router.connectionsOf(deviceId)) conn.send({ t: 'prekeys-low', remaining });
  }

  /** Tells the account's devices connected elsewhere than `from`'s device (§2.9). */
  function notifyTrustChanged(from: Connection, handle: string): void {
    const publisher = router.deviceOf(from);
    for (const { conn } of states.values()) {
      const device = router.deviceOf(conn);
      if (conn.accountId !== from.accountId || device === null || device === publisher) continue;
      conn.send({ t: 'trust-changed', account: handle });
    }
  }

  const sends = createSendPath({
    deps,
    router,
    connectedElsewhere: (deviceId) => fanout.connectedElsewhere(deviceId),
    commit,
    quotas,
    fail,
    refuseAbuse,
    recordRateLimit,
  });

  function acceptAck(conn: Connection, envelopes: readonly string[]): void {
    const deviceId = router.deviceOf(conn);
    if (deviceId === null) {
      fail(conn, null, 'DEVICE_REQUIRED');
      return;
    }
    let known = 0;
    for (const id of envelopes) {
      // Only envelopes pushed on this connection (§2.6): an ack of anything else costs nothing
      // but this lookup, so a flood of made-up ids cannot reach the database.
      const pushed = router.takeAcked(conn, id);
      if (pushed === undefined) continue;
      known += 1;
      quotas.remove(pushed.senderAccountId, { device: deviceId, bytes: pushed.bytes });
      commit.acked(deviceId, id);
    }
    // Every id acked once at most: so honest ack frames can never outnumber the envelopes pushed,
    // and a frame that acks nothing is either a rare duplicate or a flood, closed after a few.
    if (known === 0) {
      recordRateLimit(conn, 'ack');
      if (!deps.emptyAckLimiter.take(String(conn.id), ctx.now()).allowed) {
        conn.close(1008, 'acks of nothing');
      }
    }
    // Acks open the window again for a reader that had too many unacked pushes.
    router.resume(conn);
  }

  function request(conn: Connection, frame: DeviceRequest): Promise<void> {
    return handleDeviceRequest(ctx, callerOf(conn), frame, {
      attachDevice: (deviceId) => {
        router.attach(conn, deviceId);
      },
      takeBundleFetch: () => {
        if (deps.bundleLimiter.take(conn.accountId, ctx.now()).allowed) return true;
        recordRateLimit(conn, 'fetch-bundles');
        return false;
      },
      notifyPrekeysLow,
      deviceRevoked: (deviceId, ended) => {
        closeRevoked(deviceId);
        fanout.devicesRevoked([deviceId]);
        deps.onSessionsEnded(ended);
      },
      trustChanged: (handle) => {
        notifyTrustChanged(conn, handle);
      },
    }).then(({ reply, afterReply }) => {
      conn.send(reply);
      afterReply?.();
    });
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
      router.attach(conn, frame.device);
    }
    state.helloDone = true;
    const deviceId = router.deviceOf(conn);
    conn.send({ t: 'welcome', v: PROTOCOL_VERSION, device: deviceId, time: ctx.now() });
    if (deviceId !== null) {
      router.startDrain(conn);
      const remaining = await countOneTimePrekeys(ctx, deviceId);
      if (remaining < ctx.settings.lowPrekeyThreshold) conn.send({ t: 'prekeys-low', remaining });
    }
  }

  function refuseMalformed(conn: Connection, data: Uint8Array, code: ProtocolErrorCode): void {
    const state = stateOf(conn);
    state.malformed += 1;
    fail(conn, readRequestId(data), code);
    if (state.malformed === 1) {
      recordSecurityEvent(ctx.writes, {
        type: 'malformed_frame',
        outcome: 'failure',
        actorAccountId: conn.accountId,
        actorDeviceId: router.deviceOf(conn),
        details: { code },
      }).catch((error: unknown) => {
        ctx.log.error({ err: error }, 'could not record a security event');
      });
    }
    if (state.malformed >= MAX_MALFORMED) conn.close(1002, 'malformed frames');
  }

  return {
    open(conn) {
      states.set(conn.id, { conn, helloDone: false, malformed: 0, rateLimitRecordedAt: 0 });
      router.open(conn);
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
      // Acks have a budget of their own (see acceptAck): an honest reader acks as fast as it is
      // pushed to, which may be faster than requests are allowed.
      if (frame.t !== 'ack' && !deps.frameLimiter.take(String(conn.id), ctx.now()).allowed) {
        fail(conn, 'id' in frame ? frame.id : null, 'RATE_LIMITED');
        refuseAbuse(conn, 'frames');
        return;
      }
      if (frame.t !== 'hello' && !state.helloDone) {
        fail(conn, 'id' in frame ? frame.id : null, 'HELLO_REQUIRED');
        return;
      }
      if (frame.t === 'send') {
        sends.take(conn, frame);
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
      router.resume(conn);
    },
    close(conn) {
      states.delete(conn.id);
      sends.forget(conn);
      router.close(conn);
    },
    async stop() {
      sends.stop();
      router.stop();
      clearInterval(expiry);
      await commit.stop();
    },
  };
}
