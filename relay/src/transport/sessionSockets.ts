import { LIMITS, encodeFrame, type ServerFrame } from '@vaultroom/shared/protocol';
import type * as uWS from 'uWebSockets.js';
import type { Connection, DeliveryService } from '../delivery/createDeliveryService.js';
import type { Logger } from '../log/createLogger.js';

export interface SocketIdentity {
  readonly sessionId: string;
  readonly accountId: string;
}

/** What a socket carries besides its identity: its connection and its frames of this turn. */
interface SocketData extends SocketIdentity {
  conn?: Connection;
  queue?: Uint8Array[];
  queuedBytes?: number;
  closed?: boolean;
}

/** Above this many bytes buffered for a socket, the relay stops pushing envelopes to it. */
const HIGH_WATER_BYTES = 256 * 1024;

export interface SessionSocketOptions {
  readonly allowedOrigins: () => readonly string[];
  /** Resolves the session cookie of an upgrade request, or null to refuse it. */
  readonly authenticate: (cookieHeader: string) => Promise<SocketIdentity | null>;
  readonly log: Logger;
  /** Told of refused upgrades, for the security event log. */
  readonly onRefused: (
    reason: 'origin' | 'session' | 'deadline' | 'connections',
    remoteAddress: string,
  ) => void;
  readonly delivery: DeliveryService;
  /** Open sockets one account may hold; more upgrades are refused with 429. */
  readonly maxConnectionsPerAccount: number;
}

/** uWS sets no timeout while an upgrade waits on async work, so the check gets a deadline of its own. */
const UPGRADE_DEADLINE_MS = 5000;

export interface SessionSockets {
  readonly behavior: uWS.WebSocketBehavior<SocketData>;
  /** Closes every socket of these sessions at once (they were signed out, revoked or expired). */
  closeSessions(sessionIds: readonly string[]): void;
  /** Closes every socket with 1001 (going away), for shutdown. */
  closeAll(): void;
  /** Sessions that have at least one open socket. */
  connectedSessionIds(): string[];
}

function refuse(res: uWS.HttpResponse, status: string, text: string): void {
  res.cork(() => {
    res.writeStatus(status).writeHeader('Content-Type', 'text/plain; charset=utf-8').end(text);
  });
}

/**
 * The `/ws` endpoint. An upgrade needs an allowed Origin (browsers always send it; a page on
 * another site cannot open a socket with the user's cookie) and a live session. The delivery
 * protocol runs over these sockets; ending a session closes them with 1008.
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

  function connectionFor(ws: uWS.WebSocket<SocketData>): Connection {
    const data = ws.getUserData();
    return {
      id: nextConnectionId++,
      accountId: data.accountId,
      sessionId: data.sessionId,
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
      const cookie = req.getHeader('cookie');
      const key = req.getHeader('sec-websocket-key');
      const protocol = req.getHeader('sec-websocket-protocol');
      const extensions = req.getHeader('sec-websocket-extensions');
      const remoteAddress = Buffer.from(res.getRemoteAddressAsText()).toString();
      let settled = false;
      res.onAborted(() => {
        settled = true;
      });
      if (!options.allowedOrigins().includes(origin)) {
        settled = true;
        options.onRefused('origin', remoteAddress);
        refuse(res, '403 Forbidden', 'Origin not allowed');
        return;
      }
      const deadline = setTimeout(() => {
        if (settled) return;
        settled = true;
        options.onRefused('deadline', remoteAddress);
        refuse(res, '503 Service Unavailable', 'Try again');
      }, UPGRADE_DEADLINE_MS);
      options.authenticate(cookie).then(
        (identity) => {
          clearTimeout(deadline);
          if (settled) return;
          settled = true;
          if (identity === null) {
            options.onRefused('session', remoteAddress);
            refuse(res, '401 Unauthorized', 'Sign in first');
            return;
          }
          if ((perAccount.get(identity.accountId) ?? 0) >= options.maxConnectionsPerAccount) {
            options.onRefused('connections', remoteAddress);
            refuse(res, '429 Too Many Requests', 'Too many connections for this account');
            return;
          }
          res.cork(() => {
            const data: SocketData = { ...identity };
            res.upgrade(data, key, protocol, extensions, context);
          });
        },
        (error: unknown) => {
          clearTimeout(deadline);
          options.log.error({ err: error }, 'socket upgrade failed');
          if (settled) return;
          settled = true;
          refuse(res, '500 Internal Server Error', 'Something went wrong');
        },
      );
    },
    open: (ws) => {
      const data = ws.getUserData();
      const sockets = bySession.get(data.sessionId) ?? new Set();
      sockets.add(ws);
      bySession.set(data.sessionId, sockets);
      perAccount.set(data.accountId, (perAccount.get(data.accountId) ?? 0) + 1);
      data.conn = connectionFor(ws);
      options.delivery.open(data.conn);
    },
    message: (ws, message, isBinary) => {
      const { conn } = ws.getUserData();
      // uWS neuters the message buffer when this call returns, and decoded byte strings are views
      // into it, so the frame is copied before anything keeps a part of it.
      if (conn !== undefined)
        options.delivery.message(conn, new Uint8Array(message.slice(0)), isBinary);
    },
    drain: (ws) => {
      const { conn } = ws.getUserData();
      if (conn !== undefined) options.delivery.drain(conn);
    },
    close: (ws) => {
      const data = ws.getUserData();
      data.closed = true;
      const sockets = bySession.get(data.sessionId);
      sockets?.delete(ws);
      if (sockets?.size === 0) bySession.delete(data.sessionId);
      if (data.conn !== undefined) options.delivery.close(data.conn);
      const count = (perAccount.get(data.accountId) ?? 1) - 1;
      if (count === 0) perAccount.delete(data.accountId);
      else perAccount.set(data.accountId, count);
    },
  };

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
