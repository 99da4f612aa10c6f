import {
  decodeServerFrame,
  encodeFrame,
  PROTOCOL_VERSION,
  ProtocolError,
  type ClientFrame,
  type ClientRequest,
  type ServerFrame,
} from '../protocol/index.js';
import { backoffDelay } from './backoffDelay.js';
import { isTerminal, type ConnectionState } from './ConnectionState.js';
import { createInbox } from './createInbox.js';
import { createMemoryOutboxStore } from './createMemoryOutboxStore.js';
import { createOutbox } from './createOutbox.js';
import { CLOSE } from './closeCodes.js';
import { createInFlightRequests } from './createInFlightRequests.js';
import type { DeliveryClient, DeliveryClientOptions, SendUpdate } from './DeliveryClient.js';
import { DeliveryError } from './DeliveryError.js';
import type { DeliveryIssue } from './DeliveryIssue.js';
import { createDeviceRequests } from './createDeviceRequests.js';
import { REPLY, type ReplyOf, type RequestType, type WireRequest } from './RequestWire.js';
import type { SocketPort } from './SocketPort.js';

interface Connection {
  readonly socket: SocketPort;
  welcomed: boolean;
  cancelHelloTimer: () => void;
}

const noop = () => undefined;

/**
 * The device side of PROTOCOL.md Part 2: one WebSocket to the relay, kept open with backoff,
 * typed requests, an outbox resent with the same message ids until `sent`, and acks only for
 * envelopes the caller has stored. Starts connecting at once.
 */
export function createDeliveryClient(options: DeliveryClientOptions): DeliveryClient {
  const { clock } = options;
  const timeoutMs = options.requestTimeoutMs ?? 15_000;
  const backoff = options.backoff ?? { baseMs: 500, maxMs: 30_000 };

  let state: ConnectionState = 'connecting';
  let device = options.device;
  let connection: Connection | null = null;
  let reconnectAttempts = 0;
  /**
   * The last connection ended on a frame we could not read: the next welcome alone does not
   * reset the backoff, only a frame of the relay's that we can use does, so a relay that keeps
   * sending the same unreadable frame is retried ever more slowly instead of in a tight loop.
   */
  let unreadableStreak = false;
  let cancelReconnect: (() => void) | null = null;
  const stateListeners = new Set<(state: ConnectionState) => void>();
  const sendListeners = new Set<(update: SendUpdate) => void>();
  /** Requests made while no connection was welcomed, sent on the next welcome. */
  const waiting: WireRequest[] = [];

  function report(issue: DeliveryIssue): void {
    try {
      options.onIssue?.(issue);
    } catch {
      // The log port itself failed: nowhere left to report it.
    }
  }

  function callBack(run: () => void): void {
    try {
      run();
    } catch (error) {
      report({ kind: 'callback-failed', error });
    }
  }

  /** Tells an optional listener of the relay's news (`prekeys-low`, `trust-changed`). */
  function tell<T>(listener: ((value: T) => void) | undefined, value: T): void {
    if (listener !== undefined) callBack(listener.bind(undefined, value));
  }

  const inFlight = createInFlightRequests({ clock, timeoutMs, report });

  function setState(next: ConnectionState): void {
    if (next === state) return;
    state = next;
    for (const listener of [...stateListeners]) {
      callBack(() => {
        listener(next);
      });
    }
  }

  function terminalError(): DeliveryError {
    if (state === 'signed-out') return new DeliveryError('SIGNED_OUT');
    if (state === 'incompatible') return new DeliveryError('UNSUPPORTED_VERSION');
    return new DeliveryError('CLOSED');
  }

  const outbox = createOutbox({
    store: options.outbox ?? createMemoryOutboxStore(),
    wire: {
      ready: () => connection?.welcomed === true,
      send: (request) => {
        const conn = connection;
        if (conn?.welcomed !== true) return false;
        dispatch(conn, request);
        return true;
      },
    },
    clock,
    backoff,
    random: options.random,
    randomBytes: options.randomBytes,
    emit: (update) => {
      for (const listener of [...sendListeners]) {
        callBack(() => {
          listener(update);
        });
      }
    },
    report,
  });

  const inbox = createInbox<Connection>({
    onEnvelope: options.onEnvelope,
    onQueueEmpty: () => {
      const onQueueEmpty = options.onQueueEmpty;
      if (onQueueEmpty !== undefined) callBack(onQueueEmpty);
    },
    ack: (conn, envelopes) => connection === conn && transmit(conn, { t: 'ack', envelopes }),
    report,
  });

  // ---- connection -----------------------------------------------------------------------------

  function open(): void {
    cancelReconnect = null;
    let socket: SocketPort;
    try {
      socket = options.connect(options.url);
    } catch {
      scheduleReconnect();
      return;
    }
    const conn: Connection = { socket, welcomed: false, cancelHelloTimer: noop };
    connection = conn;
    // Covers both a socket that never opens and a relay that never answers the hello.
    conn.cancelHelloTimer = clock.schedule(timeoutMs, () => {
      drop(conn);
    });
    socket.onOpen = () => {
      if (connection === conn) transmit(conn, { t: 'hello', v: PROTOCOL_VERSION, device });
    };
    socket.onMessage = (bytes) => {
      if (connection === conn) receive(conn, bytes);
    };
    socket.onClose = (code) => {
      if (connection === conn) lost(conn, code);
    };
  }

  function detach(conn: Connection, code: number): void {
    conn.cancelHelloTimer();
    conn.socket.onOpen = noop;
    conn.socket.onMessage = noop;
    conn.socket.onClose = noop;
    try {
      conn.socket.close(code);
    } catch {
      // Already closing or closed: nothing to undo.
    }
  }

  /** We give up on a socket (timeout, failed send): act as if the connection was lost. */
  function drop(conn: Connection, code: number = CLOSE.GAVE_UP): void {
    if (connection !== conn) return;
    detach(conn, code);
    lost(conn, CLOSE.ABNORMAL);
  }

  /** Sends one frame; a socket that refuses it is dropped. */
  function transmit(conn: Connection, frame: ClientFrame): boolean {
    try {
      conn.socket.send(encodeFrame(frame));
      return true;
    } catch {
      drop(conn);
      return false;
    }
  }

  function lost(conn: Connection, code: number): void {
    connection = null;
    conn.cancelHelloTimer();
    inFlight.abandon(new DeliveryError('DISCONNECTED'));
    if (isTerminal(state)) return;
    if (code === CLOSE.SESSION_ENDED) {
      setState('signed-out');
      rejectWaiting(new DeliveryError('SIGNED_OUT'));
      return;
    }
    // 1001 (relay stopping) and everything else: reconnect (§2.1).
    setState('reconnecting');
    scheduleReconnect();
  }

  function scheduleReconnect(): void {
    const delay = backoffDelay(reconnectAttempts, backoff, options.random);
    reconnectAttempts += 1;
    cancelReconnect = clock.schedule(delay, open);
  }

  function welcomed(conn: Connection): void {
    conn.welcomed = true;
    conn.cancelHelloTimer();
    if (!unreadableStreak) reconnectAttempts = 0;
    setState('connected');
    // A dispatch can drop the connection (a socket refusing a send): the rest wait for the next.
    for (let next = waiting.shift(); next !== undefined; next = waiting.shift()) {
      if (connection !== conn) {
        waiting.unshift(next);
        return;
      }
      dispatch(conn, next);
    }
    outbox.connected();
  }

  /** Ends everything for good (`close()`, session ended, incompatible relay). */
  function shutDown(next: ConnectionState, error: DeliveryError): void {
    setState(next);
    cancelReconnect?.();
    cancelReconnect = null;
    const conn = connection;
    connection = null;
    if (conn !== null) detach(conn, CLOSE.NORMAL);
    outbox.stop();
    inFlight.abandon(error);
    rejectWaiting(error);
  }

  // ---- frames from the relay ------------------------------------------------------------------

  function receive(conn: Connection, bytes: Uint8Array): void {
    let frame: ServerFrame;
    try {
      frame = decodeServerFrame(bytes);
    } catch (error) {
      // Never dropped silently: a frame skipped here could be envelopes the relay will push
      // again on every connection, so the failure is reported and the connection closed with a
      // code of its own, which the relay logs (§2.6.1).
      const code = error instanceof ProtocolError ? error.code : 'MALFORMED_FRAME';
      report({ kind: 'malformed-frame', code });
      unreadableStreak = true;
      drop(conn, CLOSE.UNREADABLE_FRAME);
      return;
    }
    if (frame.t === 'deliver' || frame.t === 'queue-empty') {
      unreadableStreak = false;
      reconnectAttempts = 0;
    }
    if (!conn.welcomed) {
      receiveBeforeWelcome(conn, frame);
      return;
    }
    switch (frame.t) {
      case 'welcome':
        report({ kind: 'unexpected-frame', t: frame.t });
        return;
      case 'error':
        if (frame.id === null) report({ kind: 'relay-error', code: frame.code });
        else inFlight.settle(frame.id, frame);
        return;
      case 'deliver':
        inbox.deliver(conn, frame.envelopes);
        return;
      case 'queue-empty':
        inbox.queueEmpty();
        return;
      case 'prekeys-low':
        tell(options.onPrekeysLow, frame.remaining);
        return;
      case 'trust-changed':
        tell(options.onTrustChanged, frame.account);
        return;
      case 'device-registered':
      case 'prekeys-stored':
      case 'bundles':
      case 'devices':
      case 'device-owners':
      case 'trust':
      case 'sealed-key':
      case 'key-proofs':
      case 'log-leaves':
      case 'sent':
      case 'done':
        inFlight.settle(frame.id, frame);
        return;
    }
  }

  function receiveBeforeWelcome(conn: Connection, frame: ServerFrame): void {
    if (frame.t === 'welcome') {
      if (frame.v !== PROTOCOL_VERSION) {
        shutDown('incompatible', new DeliveryError('UNSUPPORTED_VERSION'));
        return;
      }
      device = frame.device;
      welcomed(conn);
      return;
    }
    if (frame.t === 'error' && frame.code === 'UNSUPPORTED_VERSION') {
      // A version mismatch will not heal by retrying: stop here rather than loop (§2.4 hello).
      shutDown('incompatible', new DeliveryError('UNSUPPORTED_VERSION'));
      return;
    }
    if (frame.t === 'error') report({ kind: 'relay-error', code: frame.code });
    else report({ kind: 'unexpected-frame', t: frame.t });
  }

  // ---- requests -------------------------------------------------------------------------------

  function dispatch(conn: Connection, request: WireRequest): void {
    inFlight.dispatch(request, (frame) => transmit(conn, frame));
  }

  function rejectWaiting(error: DeliveryError): void {
    for (const request of waiting.splice(0)) request.onOutcome(error);
  }

  function request<T extends RequestType>(
    type: T,
    build: (id: number) => Extract<ClientRequest, { t: T }>,
  ): Promise<ReplyOf<T>> {
    return new Promise<ReplyOf<T>>((resolve, reject) => {
      if (isTerminal(state)) {
        reject(terminalError());
        return;
      }
      const expect: ServerFrame['t'] = REPLY[type];
      const pending: WireRequest = {
        build,
        onOutcome: (outcome) => {
          if (outcome instanceof DeliveryError) reject(outcome);
          else if (outcome.t === 'error') reject(new DeliveryError(outcome.code));
          // Checked against `expect`, so the frame is a ReplyOf<T>.
          else if (outcome.t === expect) resolve(outcome as ReplyOf<T>);
          else {
            report({ kind: 'unexpected-frame', t: outcome.t });
            reject(new DeliveryError('UNEXPECTED_REPLY'));
          }
        },
      };
      const conn = connection;
      if (conn?.welcomed === true) dispatch(conn, pending);
      else waiting.push(pending);
    });
  }

  open();

  return {
    subscribe(listener) {
      stateListeners.add(listener);
      callBack(() => {
        listener(state);
      });
      return () => stateListeners.delete(listener);
    },
    get state() {
      return state;
    },
    get device() {
      return device;
    },
    ...createDeviceRequests(request, (registered) => {
      // The next hello names the new device, so the relay delivers to it (§2.4 hello).
      device ??= registered;
    }),
    async send(to, msg) {
      if (isTerminal(state)) throw terminalError();
      return outbox.add(to, msg);
    },
    sendState: (msg) => outbox.state(msg),
    subscribeSends(listener) {
      sendListeners.add(listener);
      return () => sendListeners.delete(listener);
    },
    reconnectNow() {
      // Only a wait between attempts is cut short: a connection, or an attempt under way, stays.
      if (cancelReconnect === null || isTerminal(state)) return;
      cancelReconnect();
      // The network changed: its earlier failures say nothing about the next attempt.
      reconnectAttempts = 0;
      open();
    },
    close() {
      if (isTerminal(state)) return;
      shutDown('closed', new DeliveryError('CLOSED'));
    },
  };
}
