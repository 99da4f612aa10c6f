import type * as uWS from 'uWebSockets.js';
import type { Logger } from '../log/createLogger.js';

export interface SocketIdentity {
  readonly sessionId: string;
  readonly accountId: string;
}

export interface SessionSocketOptions {
  readonly allowedOrigins: () => readonly string[];
  /** Resolves the session cookie of an upgrade request, or null to refuse it. */
  readonly authenticate: (cookieHeader: string) => Promise<SocketIdentity | null>;
  readonly log: Logger;
  /** Told of refused upgrades, for the security event log. */
  readonly onRefused: (reason: 'origin' | 'session' | 'deadline', remoteAddress: string) => void;
}

/** uWS sets no timeout while an upgrade waits on async work, so the check gets a deadline of its own. */
const UPGRADE_DEADLINE_MS = 5000;

export interface SessionSockets {
  readonly behavior: uWS.WebSocketBehavior<SocketIdentity>;
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
  const bySession = new Map<string, Set<uWS.WebSocket<SocketIdentity>>>();

  const behavior: uWS.WebSocketBehavior<SocketIdentity> = {
    // Compression stays at uWS's default, off: compressing ciphertext gains nothing and opens
    // the door to compression side channels.
    maxPayloadLength: 64 * 1024,
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
          res.cork(() => {
            res.upgrade(identity, key, protocol, extensions, context);
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
      const { sessionId } = ws.getUserData();
      const sockets = bySession.get(sessionId) ?? new Set();
      sockets.add(ws);
      bySession.set(sessionId, sockets);
    },
    message: (ws) => {
      // No client frames are defined on this channel yet; anything sent is a protocol violation.
      ws.end(1008, 'unexpected frame');
    },
    close: (ws) => {
      const { sessionId } = ws.getUserData();
      const sockets = bySession.get(sessionId);
      sockets?.delete(ws);
      if (sockets?.size === 0) bySession.delete(sessionId);
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
