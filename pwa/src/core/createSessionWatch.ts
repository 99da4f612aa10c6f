/** The subset of a browser WebSocket the watch needs, so tests can hand in a fake one. */
export interface WatchSocket {
  onopen: ((event: unknown) => void) | null;
  onclose: ((event: { readonly code: number }) => void) | null;
  close(code?: number, reason?: string): void;
}

/** Close code the relay uses when the session behind a socket has ended (RFC 6455 §7.4.1). */
export const SESSION_ENDED_CLOSE_CODE = 1008;

export interface SessionWatchOptions {
  readonly openSocket: () => WatchSocket;
  /**
   * Called after a 1008 close. The relay ends the socket for policy reasons only when the session
   * is gone, but the caller should still confirm (e.g. with `GET /api/me`) before signing out.
   */
  readonly onSessionEnded: () => void;
  /**
   * Called when a connection closes without ever opening. The browser hides why (a 401 from the
   * upgrade looks like any network failure), so the caller may ask the relay whether the session
   * still exists, e.g. after the device slept through its revocation.
   */
  readonly onConnectFailed?: () => void;
  readonly setTimer?: (run: () => void, ms: number) => unknown;
  readonly clearTimer?: (handle: unknown) => void;
  /** First reconnect delay; doubles on each failure up to `maxDelayMs`. */
  readonly baseDelayMs?: number;
  readonly maxDelayMs?: number;
  readonly random?: () => number;
}

export interface SessionWatch {
  start(): void;
  stop(): void;
}

/**
 * Holds the signed-in socket open so the relay can tell this device at once that its session has
 * ended (revoked elsewhere, account disabled). Sends nothing: the relay closes the socket on any
 * client frame. Other closes (network, relay restart) reconnect with jittered exponential backoff.
 */
export function createSessionWatch(options: SessionWatchOptions): SessionWatch {
  const setTimer =
    options.setTimer ?? ((run: () => void, ms: number): unknown => globalThis.setTimeout(run, ms));
  const clearTimer =
    options.clearTimer ??
    ((handle: unknown): void => {
      globalThis.clearTimeout(handle as number);
    });
  const {
    openSocket,
    onSessionEnded,
    baseDelayMs = 1000,
    maxDelayMs = 60_000,
    random = Math.random,
  } = options;
  let socket: WatchSocket | null = null;
  let timer: unknown = null;
  let failures = 0;
  let running = false;

  const connect = (): void => {
    timer = null;
    if (!running) return;
    const current = openSocket();
    socket = current;
    let opened = false;
    current.onopen = () => {
      opened = true;
      failures = 0;
    };
    current.onclose = (event) => {
      if (socket !== current) return;
      socket = null;
      if (!running) return;
      if (event.code === SESSION_ENDED_CLOSE_CODE) {
        running = false;
        onSessionEnded();
        return;
      }
      if (!opened) options.onConnectFailed?.();
      const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** failures);
      failures += 1;
      timer = setTimer(connect, ceiling / 2 + (random() * ceiling) / 2);
    };
  };

  return {
    start() {
      if (running) return;
      running = true;
      failures = 0;
      connect();
    },
    stop() {
      running = false;
      if (timer !== null) clearTimer(timer);
      timer = null;
      const current = socket;
      socket = null;
      current?.close(1000, 'signed out');
    },
  };
}
