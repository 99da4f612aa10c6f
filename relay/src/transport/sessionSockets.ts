import { LIMITS, encodeFrame, type ServerFrame } from '@vaultroom/shared/protocol';
import type * as uWS from 'uWebSockets.js';
import type { Connection, DeliveryService } from '../delivery/createDeliveryService.js';
import type { Logger } from '../log/createLogger.js';

export interface SocketIdentity {
  readonly sessionId: string;
  readonly accountId: string;
}

/** A frame that arrived before the socket's session was checked, kept to be handled after. */
interface EarlyFrame {
  readonly bytes: Uint8Array;
  readonly isBinary: boolean;
}

/**
 * What a socket carries. Until its session is checked (just after it opens) it has the upgrade's
 * cookie, address and early frames; once admitted, its identity, connection and frames of this
 * turn.
 */
interface SocketData {
  cookie: string;
  readonly remoteAddress: string;
  identity?: SocketIdentity;
  early?: EarlyFrame[];
  earlyBytes?: number;
  deadline?: NodeJS.Timeout;
  conn?: Connection;
  queue?: Uint8Array[];
  queuedBytes?: number;
  closed?: boolean;
}

/** Above this many bytes buffered for a socket, the relay stops pushing envelopes to it. */
const HIGH_WATER_BYTES = 256 * 1024;

export interface SessionSocketOptions {
  readonly allowedOrigins: () => readonly string[];
  /** Whether a Cookie header holds a session token at all: without one, the upgrade gets 401. */
  readonly carriesSession: (cookieHeader: string) => boolean;
  /** Resolves the session cookie of a new socket, or null to close it. */
  readonly authenticate: (cookieHeader: string) => Promise<SocketIdentity | null>;
  readonly log: Logger;
  /** Told of refused sockets, for the security event log. */
  readonly onRefused: (
    reason: 'origin' | 'session' | 'deadline' | 'connections',
    remoteAddress: string,
  ) => void;
  readonly delivery: DeliveryService;
  /** Open sockets one account may hold; more are closed with 1013 as they open. */
  readonly maxConnectionsPerAccount: number;
}

/** A session check that has not answered by then closes the socket (1013): the client retries. */
const ADMISSION_DEADLINE_MS = 5000;

/** What a client may send before its session is checked: a hello, and a little more. */
const MAX_EARLY_FRAMES = 4;

export interface SessionSockets {
  readonly behavior: uWS.WebSocketBehavior<SocketData>;
  /** Closes every socket of these sessions at once (they were signed out, revoked or expired). */
  closeSessions(sessionIds: readonly string[]): void;
  /** Closes every socket with 1001 (going away), for shutdown. */
  closeAll(): void;
  /** Sessions that have at least one open socket. */
  connectedSessionIds(): string[];
}

/**
 * The `/ws` endpoint. An upgrade needs an allowed Origin (browsers always send it; a page on
 * another site cannot open a socket with the user's cookie) and a live session. The delivery
 * protocol runs over these sockets; ending a session closes them with 1008.
 *
 * The upgrade itself is answered at once, inside uWS's handler (401 without a session cookie),
 * and the session is checked just after the socket opens (closed with 1008 if it is not live). An upgrade answered later, after an `await`, goes through
 * `HttpResponse.cork`, which in the uWS versions we can use sometimes closes the new socket
 * right after it opened: it reads the old HTTP state from memory the WebSocket now owns (uWS
 * issue 1928; seen as about one fresh connection in ten dropped on relays whose session check
 * waits on PostgreSQL). Uncorked, it prints a warning for every connection instead.
 */
export function createSessionSockets(options: SessionSocketOptions): SessionSockets {
  const bySession = new Map<string, Set<uWS.WebSocket<SocketData>>>();
  const perAccount = new Map<string, number>();
  let nextConnectionId = 1;

  /**
   * Frames for one socket are queued during a loop turn and written in one corked batch: one
   * syscall and one TLS record for many frames, the largest single saving in a relay.
   */
  function flushSocket(ws: uWS.WebSocket<SocketData>): void {
    const data = ws.getUserData();
    const queue = data.queue ?? [];
    data.queue = [];
    data.queuedBytes = 0;
    if (data.closed === true || queue.length === 0) return;
    const result = { dropped: false };
    ws.cork(() => {
      for (const frame of queue) {
        if (ws.send(frame, true) === 2) result.dropped = true;
      }
    });
    // Over uWS's own limit a frame is dropped: close, and the device reconnects and drains its
    // mailbox (nothing is lost: envelopes stay stored until acked).
    if (result.dropped) {
      ws.end(1011, 'send buffer full');
      return;
    }
    // The queue of this turn counted as congestion; if the kernel took it all, uWS will never
    // fire its drain event, so the delivery service is told the socket has room again.
    if (data.conn !== undefined && ws.getBufferedAmount() <= HIGH_WATER_BYTES) {
      options.delivery.drain(data.conn);
    }
  }

  function connectionFor(ws: uWS.WebSocket<SocketData>, identity: SocketIdentity): Connection {
    const data = ws.getUserData();
    return {
      id: nextConnectionId++,
      accountId: identity.accountId,
      sessionId: identity.sessionId,
      send(frame: ServerFrame) {
        if (data.closed === true) return;
        const bytes = encodeFrame(frame);
        if (data.queue === undefined || data.queue.length === 0) {
          data.queue = [bytes];
          data.queuedBytes = bytes.byteLength;
          setImmediate(() => {
            flushSocket(ws);
          });
        } else {
          data.queue.push(bytes);
          data.queuedBytes = (data.queuedBytes ?? 0) + bytes.byteLength;
        }
      },
      congested: () =>
        data.closed !== true && ws.getBufferedAmount() + (data.queuedBytes ?? 0) > HIGH_WATER_BYTES,
      close(code, reason) {
        if (data.closed === true) return;
        // Frames queued this turn (the error that explains the close) go out first.
        flushSocket(ws);
        ws.end(code, reason);
      },
    };
  }

  const behavior: uWS.WebSocketBehavior<SocketData> = {
    // Compression stays at uWS's default, off: compressing ciphertext gains nothing and opens
    // the door to compression side channels.
    // Twice the protocol's frame limit: a frame between the two gets a coded FRAME_TOO_LARGE
    // reply; beyond it uWS closes the connection (1009) without reading it.
    maxPayloadLength: 2 * LIMITS.maxFrameBytes,
    maxBackpressure: 4 * HIGH_WATER_BYTES,
    idleTimeout: 120,
    sendPingsAutomatically: true,
    upgrade: (res, req, context) => {
      const origin = req.getHeader('origin');
      const remoteAddress = Buffer.from(res.getRemoteAddressAsText()).toString();
      if (!options.allowedOrigins().includes(origin)) {
        options.onRefused('origin', remoteAddress);
        res.writeStatus('403 Forbidden').writeHeader('Content-Type', 'text/plain; charset=utf-8');
        res.end('Origin not allowed');
        return;
      }
      const cookie = req.getHeader('cookie');
      if (!options.carriesSession(cookie)) {
        options.onRefused('session', remoteAddress);
        res
          .writeStatus('401 Unauthorized')
          .writeHeader('Content-Type', 'text/plain; charset=utf-8');
        res.end('Sign in first');
        return;
      }
      const data: SocketData = { cookie, remoteAddress };
      res.upgrade(
        data,
        req.getHeader('sec-websocket-key'),
        req.getHeader('sec-websocket-protocol'),
        req.getHeader('sec-websocket-extensions'),
        context,
      );
    },
    open: (ws) => {
      const data = ws.getUserData();
      data.early = [];
      data.earlyBytes = 0;
      data.deadline = setTimeout(() => {
        refuseOpen(ws, 'deadline', 1013, 'try again');
      }, ADMISSION_DEADLINE_MS);
      const cookie = data.cookie;
      data.cookie = ''; // the session token is not kept beyond its check
      options.authenticate(cookie).then(
        (identity) => {
          if (identity === null) refuseOpen(ws, 'session', 1008, 'sign in first');
          else admit(ws, identity);
        },
        (error: unknown) => {
          options.log.error({ err: error }, 'socket session check failed');
          refuseOpen(ws, null, 1011, 'something went wrong');
        },
      );
    },
    message: (ws, message, isBinary) => {
      const data = ws.getUserData();
      // uWS neuters the message buffer when this call returns, and decoded byte strings are views
      // into it, so the frame is copied before anything keeps a part of it.
      const bytes = new Uint8Array(message.slice(0));
      if (data.conn !== undefined) {
        options.delivery.message(data.conn, bytes, isBinary);
        return;
      }
      const early = data.early ?? [];
      if (early.length >= MAX_EARLY_FRAMES) {
        refuseOpen(ws, null, 1013, 'wait for the welcome');
        return;
      }
      early.push({ bytes, isBinary });
    },
    drain: (ws) => {
      const { conn } = ws.getUserData();
      if (conn !== undefined) options.delivery.drain(conn);
    },
    close: (ws) => {
      const data = ws.getUserData();
      data.closed = true;
      clearTimeout(data.deadline);
      data.early = [];
      const identity = data.identity;
      if (identity === undefined) return;
      const sockets = bySession.get(identity.sessionId);
      sockets?.delete(ws);
      if (sockets?.size === 0) bySession.delete(identity.sessionId);
      if (data.conn !== undefined) options.delivery.close(data.conn);
      const count = (perAccount.get(identity.accountId) ?? 1) - 1;
      if (count === 0) perAccount.delete(identity.accountId);
      else perAccount.set(identity.accountId, count);
    },
  };

  /** Closes a socket whose session check did not let it in (once: later outcomes are ignored). */
  function refuseOpen(
    ws: uWS.WebSocket<SocketData>,
    reason: 'session' | 'deadline' | 'connections' | null,
    code: number,
    text: string,
  ): void {
    const data = ws.getUserData();
    if (data.closed === true || data.identity !== undefined) return;
    if (reason !== null) options.onRefused(reason, data.remoteAddress);
    ws.end(code, text);
  }

  /** Lets a checked socket in: counted, handed to the delivery service, its early frames read. */
  function admit(ws: uWS.WebSocket<SocketData>, identity: SocketIdentity): void {
    const data = ws.getUserData();
    if (data.closed === true || data.identity !== undefined) return;
    if ((perAccount.get(identity.accountId) ?? 0) >= options.maxConnectionsPerAccount) {
      refuseOpen(ws, 'connections', 1013, 'too many connections for this account');
      return;
    }
    clearTimeout(data.deadline);
    data.identity = identity;
    const sockets = bySession.get(identity.sessionId) ?? new Set();
    sockets.add(ws);
    bySession.set(identity.sessionId, sockets);
    perAccount.set(identity.accountId, (perAccount.get(identity.accountId) ?? 0) + 1);
    const conn = connectionFor(ws, identity);
    data.conn = conn;
    options.delivery.open(conn);
    const early = data.early ?? [];
    data.early = [];
    // A frame may close the socket (three malformed ones do); the rest are then dropped.
    const open = () => data.closed !== true;
    for (const frame of early) {
      if (!open()) return;
      options.delivery.message(conn, frame.bytes, frame.isBinary);
    }
  }

  return {
    behavior,
    closeSessions(sessionIds) {
      for (const sessionId of sessionIds) {
        for (const ws of [...(bySession.get(sessionId) ?? [])]) ws.end(1008, 'session ended');
      }
    },
    connectedSessionIds: () => [...bySession.keys()],
    closeAll() {
      for (const sockets of [...bySession.values()]) {
        for (const ws of [...sockets]) ws.end(1001, 'relay stopping');
      }
    },
  };
}
