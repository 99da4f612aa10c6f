import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeClientFrame,
  encodeFrame,
  LIMITS,
  PROTOCOL_VERSION,
  readRequestId,
  type ClientFrame,
  type ProtocolErrorCode,
  type ServerFrame,
} from '../protocol/index.js';
import type { Clock } from './Clock.js';
import type { ConnectionState } from './ConnectionState.js';
import { createDeliveryClient } from './createDeliveryClient.js';
import { createMemoryOutboxStore } from './createMemoryOutboxStore.js';
import type { DeliveryClientOptions, Envelope, SendUpdate } from './DeliveryClient.js';
import { DeliveryError } from './DeliveryError.js';
import type { DeliveryIssue } from './DeliveryIssue.js';
import { messageKey } from './messageKey.js';
import type { OutboxStore } from './OutboxStore.js';
import type { SocketFactory, SocketPort } from './SocketPort.js';

/** Lets every queued microtask (fake socket hops, promise chains) run. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Timers run only when a test advances time. */
class FakeClock implements Clock {
  private time = 0;
  private order = 0;
  private timers: { at: number; order: number; run: () => void; cancelled: boolean }[] = [];

  now(): number {
    return this.time;
  }

  schedule(ms: number, run: () => void): () => void {
    const timer = { at: this.time + ms, order: this.order++, run, cancelled: false };
    this.timers.push(timer);
    return () => {
      timer.cancelled = true;
    };
  }

  async advance(ms: number): Promise<void> {
    const end = this.time + ms;
    for (;;) {
      await settle();
      this.timers = this.timers.filter((timer) => !timer.cancelled);
      const due = this.timers
        .filter((timer) => timer.at <= end)
        .sort((a, b) => a.at - b.at || a.order - b.order)[0];
      if (due === undefined) break;
      this.timers.splice(this.timers.indexOf(due), 1);
      this.time = due.at;
      due.run();
    }
    this.time = end;
    await settle();
  }
}

/** One socket as the relay sees it. */
interface RelayConnection {
  readonly port: SocketPort;
  readonly frames: ClientFrame[];
  helloed: boolean;
  open: boolean;
  openedAt: number;
  /** The code the client closed this socket with, if it did. */
  closedByClient: number | null;
}

const OWN_DEVICE = {
  device: 'dev1',
  name: 'Laptop',
  createdAt: 1,
  lastSeenAt: null,
  current: true,
};

/**
 * An in-memory relay following PROTOCOL.md Part 2: hello first, one reply per request with its
 * id, a send stored once per `msg`, `sent` only after storing. Knobs let tests hold replies,
 * refuse sends, stay silent or refuse the hello.
 */
class FakeRelay {
  readonly connections: RelayConnection[] = [];
  /** Every `msg` stored, with how many times it was stored (the relay dedupes: always 1). */
  readonly stored = new Map<string, number>();
  readonly acks: string[][] = [];
  /** Sends stored but not yet answered (when `holdSends`). */
  held: { connection: RelayConnection; id: number; msg: Uint8Array<ArrayBuffer> }[] = [];
  version = PROTOCOL_VERSION;
  holdSends = false;
  silent = false;
  /** Never answers a hello. */
  ignoreHello = false;
  /** Closes every new socket with this code as soon as it opens. */
  refuseWith: number | null = null;
  /** Codes for the next sends to be refused with, in order. */
  refuseSends: ProtocolErrorCode[] = [];

  constructor(private readonly clock: FakeClock) {}

  readonly connect: SocketFactory = () => {
    const port: SocketPort = {
      send: (bytes) => {
        if (!connection.open) return;
        const copy = bytes.slice();
        queueMicrotask(() => {
          if (connection.open) this.receive(connection, copy);
        });
      },
      close: (code) => {
        if (!connection.open) return;
        connection.open = false;
        connection.closedByClient = code ?? null;
        queueMicrotask(() => {
          port.onClose(1000);
        });
      },
      onOpen: () => undefined,
      onMessage: () => undefined,
      onClose: () => undefined,
    };
    const connection: RelayConnection = {
      port,
      frames: [],
      helloed: false,
      open: true,
      openedAt: this.clock.now(),
      closedByClient: null,
    };
    this.connections.push(connection);
    queueMicrotask(() => {
      if (!connection.open) return;
      if (this.refuseWith !== null) this.close(connection, this.refuseWith);
      else port.onOpen();
    });
    return port;
  };

  get current(): RelayConnection {
    const last = this.connections.at(-1);
    if (last === undefined) throw new Error('no connection yet');
    return last;
  }

  /** Every client frame of one type, across connections, in order. */
  framesOf<T extends ClientFrame['t']>(t: T): Extract<ClientFrame, { t: T }>[] {
    return this.connections.flatMap((connection) =>
      connection.frames.filter((frame): frame is Extract<ClientFrame, { t: T }> => frame.t === t),
    );
  }

  push(connection: RelayConnection, frame: ServerFrame): void {
    this.pushBytes(connection, encodeFrame(frame));
  }

  pushBytes(connection: RelayConnection, bytes: Uint8Array): void {
    queueMicrotask(() => {
      if (connection.open) connection.port.onMessage(bytes);
    });
  }

  /** Closes after the frames already pushed, as a WebSocket flushes before its close frame. */
  close(connection: RelayConnection, code: number): void {
    queueMicrotask(() => {
      if (!connection.open) return;
      connection.open = false;
      connection.port.onClose(code);
    });
  }

  /** Answers one held send, if its connection is still open (a closed socket carries nothing). */
  answer(index: number): void {
    const open = this.held.filter((entry) => entry.connection.open);
    const entry = open[index % Math.max(open.length, 1)];
    if (entry === undefined) return;
    this.held = this.held.filter((other) => other !== entry);
    this.push(entry.connection, { t: 'sent', id: entry.id, msg: entry.msg });
  }

  private receive(connection: RelayConnection, bytes: Uint8Array): void {
    let frame: ClientFrame;
    try {
      frame = decodeClientFrame(bytes);
    } catch {
      this.push(connection, { t: 'error', id: readRequestId(bytes), code: 'MALFORMED_FRAME' });
      return;
    }
    connection.frames.push(frame);
    if (!connection.helloed) {
      if (this.ignoreHello) return;
      if (frame.t !== 'hello') {
        const id = 'id' in frame ? frame.id : null;
        this.push(connection, { t: 'error', id, code: 'HELLO_REQUIRED' });
      } else if (frame.v !== this.version) {
        this.push(connection, { t: 'error', id: null, code: 'UNSUPPORTED_VERSION' });
        this.close(connection, 1002);
      } else {
        connection.helloed = true;
        this.push(connection, { t: 'welcome', v: this.version, device: frame.device, time: 7 });
      }
      return;
    }
    if (this.silent) return;
    const reply = (next: ServerFrame) => {
      this.push(connection, next);
    };
    switch (frame.t) {
      case 'hello':
        reply({ t: 'error', id: null, code: 'MALFORMED_FRAME' });
        return;
      case 'ping':
      case 'revoke-device':
      case 'publish-trust':
      case 'store-sealed-key':
        reply({ t: 'done', id: frame.id });
        return;
      case 'fetch-trust':
        reply({
          t: 'trust',
          id: frame.id,
          account: frame.account,
          accountKey: null,
          list: null,
          certificates: [],
        });
        return;
      case 'fetch-sealed-key':
        reply({ t: 'sealed-key', id: frame.id, credential: null, sealed: null });
        return;
      case 'prove-keys':
      case 'fetch-log':
        // The key-transparency requests have their own tests (relay and chat engine).
        reply({ t: 'error', id: frame.id, code: 'LOG_UNAVAILABLE' });
        return;
      case 'rename-device':
        if (frame.device === OWN_DEVICE.device) reply({ t: 'done', id: frame.id });
        else reply({ t: 'error', id: frame.id, code: 'UNKNOWN_DEVICE' });
        return;
      case 'list-devices':
        reply({ t: 'devices', id: frame.id, devices: [OWN_DEVICE] });
        return;
      case 'lookup-devices':
        reply({
          t: 'device-owners',
          id: frame.id,
          devices: frame.devices
            .filter((device) => device === OWN_DEVICE.device)
            .map((device) => ({ device, account: 'alice', revoked: false })),
        });
        return;
      case 'register-device':
        reply({ t: 'device-registered', id: frame.id, device: 'dev-new' });
        return;
      case 'upload-prekeys':
        reply({ t: 'prekeys-stored', id: frame.id, oneTimePrekeys: frame.oneTimePrekeys.length });
        return;
      case 'fetch-bundles':
        if (frame.account === 'bob') {
          reply({
            t: 'bundles',
            id: frame.id,
            bundles: [{ device: 'bob1', bundle: new Uint8Array([1, 2, 3]) }],
          });
        } else {
          reply({ t: 'error', id: frame.id, code: 'UNKNOWN_ACCOUNT' });
        }
        return;
      case 'ack':
        this.acks.push(frame.envelopes);
        return;
      case 'send': {
        const refusal = this.refuseSends.shift();
        if (refusal !== undefined) {
          reply({ t: 'error', id: frame.id, code: refusal });
          return;
        }
        // §2.6: a retried `msg` is stored once.
        const key = messageKey(frame.msg);
        if (!this.stored.has(key)) this.stored.set(key, 1);
        if (this.holdSends) this.held.push({ connection, id: frame.id, msg: frame.msg });
        else reply({ t: 'sent', id: frame.id, msg: frame.msg });
        return;
      }
    }
  }
}

function setup(overrides: Partial<DeliveryClientOptions> = {}) {
  const clock = new FakeClock();
  const relay = new FakeRelay(clock);
  const issues: DeliveryIssue[] = [];
  const states: ConnectionState[] = [];
  const updates: SendUpdate[] = [];
  const handled: string[] = [];
  let counter = 0;
  const client = createDeliveryClient({
    url: 'wss://relay.test/ws',
    connect: relay.connect,
    clock,
    random: () => 0.5,
    randomBytes: (length) => {
      counter += 1;
      return new Uint8Array(length).fill(counter);
    },
    device: 'dev1',
    onEnvelope: (envelope) => {
      handled.push(envelope.id);
      return Promise.resolve();
    },
    onIssue: (issue) => issues.push(issue),
    requestTimeoutMs: 1000,
    backoff: { baseMs: 100, maxMs: 1000 },
    ...overrides,
  });
  client.subscribe((state) => states.push(state));
  client.subscribeSends((update) => updates.push(update));
  return { clock, relay, client, issues, states, updates, handled };
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'resolved';
  } catch (error) {
    return error instanceof DeliveryError ? error.code : `uncoded: ${String(error)}`;
  }
}

const to = [{ device: 'bob1', body: new Uint8Array([9, 9, 9]) }];
const msgOf = (byte: number) => new Uint8Array(LIMITS.messageIdBytes).fill(byte);
const statesOf = (updates: SendUpdate[], msg: Uint8Array) =>
  updates.filter((update) => messageKey(update.msg) === messageKey(msg)).map((u) => u.state);
const envelope = (id: string): Envelope => ({
  id,
  from: 'bob1',
  msg: msgOf(id.length),
  body: new Uint8Array([1]),
  at: 5,
});

describe('createDeliveryClient: connection and requests', () => {
  it('sends hello first, with the protocol version and the device, and is connected on welcome', async () => {
    const { relay, client, states } = setup();
    expect(client.state).toBe('connecting');
    await settle();
    expect(relay.current.frames[0]).toEqual({ t: 'hello', v: PROTOCOL_VERSION, device: 'dev1' });
    expect(states).toEqual(['connecting', 'connected']);
    expect(client.device).toBe('dev1');
  });

  it('holds requests made before the welcome and sends them after the hello', async () => {
    const { relay, client } = setup();
    const pong = client.ping();
    await settle();
    await expect(pong).resolves.toBeUndefined();
    expect(relay.current.frames.map((frame) => frame.t)).toEqual(['hello', 'ping']);
  });

  it('resolves each request with its typed reply payload', async () => {
    const { client, relay } = setup();
    const identity = {
      signingPublicKey: new Uint8Array(32),
      dhPublicKey: new Uint8Array(32),
      dhSignature: new Uint8Array(64),
    };
    await expect(client.listDevices()).resolves.toEqual({ devices: [OWN_DEVICE] });
    await expect(client.lookupDevices([OWN_DEVICE.device, 'gone'])).resolves.toEqual({
      devices: [{ device: OWN_DEVICE.device, account: 'alice', revoked: false }],
    });
    await expect(client.fetchBundles('bob')).resolves.toEqual({
      bundles: [{ device: 'bob1', bundle: new Uint8Array([1, 2, 3]) }],
    });
    await expect(
      client.uploadPrekeys({
        signedPrekey: null,
        pqPrekey: null,
        oneTimePrekeys: [
          { id: 1, publicKey: new Uint8Array(32) },
          { id: 2, publicKey: new Uint8Array(32) },
        ],
      }),
    ).resolves.toEqual({ oneTimePrekeys: 2 });
    await expect(client.renameDevice('dev1', 'Phone')).resolves.toBeUndefined();
    await expect(client.revokeDevice('dev1')).resolves.toBeUndefined();
    await expect(client.registerDevice('Tablet', identity)).resolves.toEqual({
      device: 'dev-new',
    });
    const ids = relay.current.frames.flatMap((frame) => ('id' in frame ? [frame.id] : []));
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.every((id) => id >= 1 && id <= 0xffff_ffff)).toBe(true);
  });

  it('names a newly registered device in the next hello', async () => {
    const { client, relay, clock } = setup({ device: null });
    await client.registerDevice('Laptop', {
      signingPublicKey: new Uint8Array(32),
      dhPublicKey: new Uint8Array(32),
      dhSignature: new Uint8Array(64),
    });
    relay.close(relay.current, 1006);
    await clock.advance(1000);
    expect(relay.current.frames[0]).toEqual({ t: 'hello', v: PROTOCOL_VERSION, device: 'dev-new' });
  });

  it('rejects with a DeliveryError carrying the wire code of an error reply', async () => {
    const { client } = setup();
    expect(await codeOf(client.renameDevice('dev9', 'Phone'))).toBe('UNKNOWN_DEVICE');
    expect(await codeOf(client.fetchBundles('nobody'))).toBe('UNKNOWN_ACCOUNT');
  });

  it('rejects with TIMEOUT when no reply comes in time, and ignores the late reply', async () => {
    const { client, relay, clock, issues } = setup();
    await settle();
    relay.silent = true;
    const pong = codeOf(client.ping());
    await clock.advance(999);
    relay.silent = false;
    await clock.advance(1);
    expect(await pong).toBe('TIMEOUT');
    const ping = relay.current.frames.find((frame) => frame.t === 'ping');
    relay.push(relay.current, { t: 'done', id: ping && 'id' in ping ? ping.id : 1 });
    await settle();
    expect(issues).toEqual([{ kind: 'unexpected-frame', t: 'done' }]);
    expect(client.state).toBe('connected');
  });

  it('rejects a request in flight with DISCONNECTED when the connection drops', async () => {
    const { client, relay } = setup();
    await settle();
    relay.silent = true;
    const pong = codeOf(client.ping());
    await settle();
    relay.close(relay.current, 1006);
    expect(await pong).toBe('DISCONNECTED');
  });

  it('holds a request made while disconnected until the next welcome', async () => {
    const { client, relay, clock } = setup();
    await settle();
    relay.close(relay.current, 1006);
    await settle();
    expect(client.state).toBe('reconnecting');
    const devices = client.listDevices();
    await clock.advance(50);
    await expect(devices).resolves.toEqual({ devices: [OWN_DEVICE] });
    expect(relay.connections).toHaveLength(2);
  });

  it('rejects waiting and new requests with CLOSED after close(), and stops', async () => {
    const { client, relay, clock, states } = setup();
    await settle();
    relay.close(relay.current, 1006);
    await settle();
    const waiting = codeOf(client.ping());
    client.close();
    expect(await waiting).toBe('CLOSED');
    expect(await codeOf(client.ping())).toBe('CLOSED');
    expect(await codeOf(client.send(to))).toBe('CLOSED');
    await clock.advance(60_000);
    expect(relay.connections).toHaveLength(1);
    expect(states.at(-1)).toBe('closed');
  });

  it('closes a connection that brings a frame it cannot read, reports it, and reconnects', async () => {
    const { client, relay, clock, issues } = setup();
    await settle();
    const first = relay.current;
    relay.pushBytes(first, new Uint8Array([0xff, 0x00]));
    await settle();
    // Never dropped silently: it could be envelopes that the relay would push again forever.
    expect(issues).toEqual([{ kind: 'malformed-frame', code: 'MALFORMED_FRAME' }]);
    expect(first.closedByClient).toBe(4002);
    expect(client.state).toBe('reconnecting');
    await clock.advance(1_000);
    expect(client.state).toBe('connected');
    await expect(client.ping()).resolves.toBeUndefined();
  });

  it('backs off ever longer from a relay that keeps sending an unreadable frame', async () => {
    const { relay, clock } = setup();
    await settle();
    const opened: number[] = [];
    for (let round = 0; round < 6; round++) {
      const conn = relay.current;
      opened.push(conn.openedAt);
      relay.pushBytes(conn, new Uint8Array([0xff, 0x00]));
      await settle();
      while (relay.current === conn) await clock.advance(10);
      await settle();
    }
    const gaps = opened.slice(1).map((at, i) => at - (opened[i] ?? 0));
    // The welcome alone does not reset the backoff: the gaps grow toward the cap.
    expect(gaps.at(-1)).toBeGreaterThan(4 * (gaps[0] ?? 0));
  });

  it('resets the backoff once the relay sends a frame it can use', async () => {
    const { relay, clock } = setup();
    await settle();
    for (let round = 0; round < 4; round++) {
      const conn = relay.current;
      relay.pushBytes(conn, new Uint8Array([0xff, 0x00]));
      await settle();
      while (relay.current === conn) await clock.advance(10);
      await settle();
    }
    relay.push(relay.current, { t: 'queue-empty' });
    await settle();
    const before = relay.current;
    relay.close(before, 1006);
    await settle();
    await clock.advance(1_000);
    expect(relay.current).not.toBe(before);
  });

  it('keeps going when a listener throws', async () => {
    const { client, relay, clock, issues } = setup();
    client.subscribe((state) => {
      if (state === 'reconnecting') throw new Error('listener bug');
    });
    await settle();
    relay.close(relay.current, 1006);
    await clock.advance(100);
    expect(client.state).toBe('connected');
    expect(issues.map((issue) => issue.kind)).toEqual(['callback-failed']);
  });
});

describe('createDeliveryClient: close codes and backoff', () => {
  it('ends in signed-out on 1008 and never reconnects', async () => {
    const { client, relay, clock, states } = setup();
    await settle();
    relay.close(relay.current, 1008);
    await settle();
    expect(client.state).toBe('signed-out');
    await clock.advance(600_000);
    expect(relay.connections).toHaveLength(1);
    expect(states).toEqual(['connecting', 'connected', 'signed-out']);
    expect(await codeOf(client.ping())).toBe('SIGNED_OUT');
  });

  it.each([1001, 1006, 1011, 4000])('reconnects after close %i', async (code) => {
    const { relay, clock, states } = setup();
    await settle();
    relay.close(relay.current, code);
    await clock.advance(100);
    expect(relay.connections).toHaveLength(2);
    expect(states).toEqual(['connecting', 'connected', 'reconnecting', 'connected']);
  });

  it('backs off with full jitter inside a growing window, capped, reset by a welcome', async () => {
    const { relay, clock, client } = setup({ random: () => 0.999 });
    await settle();
    relay.refuseWith = 1006;
    relay.close(relay.current, 1006);
    // Windows 100, 200, 400, 800, 1000, 1000 (base 100, cap 1000), each draw near its top.
    await clock.advance(99 + 199 + 399 + 799 + 999 + 999);
    const opened = relay.connections.map((connection) => connection.openedAt);
    const gaps = opened.slice(1).map((at, i) => at - (opened[i] ?? 0));
    expect(gaps).toEqual([99, 199, 399, 799, 999, 999]);
    expect(client.state).toBe('reconnecting');
    relay.refuseWith = null;
    await clock.advance(1000);
    expect(client.state).toBe('connected');
    const closedAt = clock.now();
    relay.close(relay.current, 1001);
    await clock.advance(1000);
    // The welcome reset the window to the base: 0.999 · 100.
    expect(relay.current.openedAt - closedAt).toBe(99);
  });

  it('never waits outside [0, cap] whatever the random draws (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), {
          minLength: 8,
          maxLength: 8,
        }),
        async (draws) => {
          const queue = [...draws];
          const { relay, clock } = setup({ random: () => queue.shift() ?? 0.999 });
          await settle();
          relay.refuseWith = 1006;
          relay.close(relay.current, 1006);
          for (let i = 0; i < 8; i += 1) await clock.advance(1000);
          const opened = relay.connections.map((c) => c.openedAt);
          for (let i = 1; i < opened.length; i += 1) {
            const gap = (opened[i] ?? 0) - (opened[i - 1] ?? 0);
            const cap = Math.min(1000, 100 * 2 ** (i - 1));
            if (gap < 0 || gap >= cap) return false;
          }
          return opened.length >= 8;
        },
      ),
      { numRuns: 30, seed: 20261125 },
    );
  });

  it('is incompatible on UNSUPPORTED_VERSION and does not loop', async () => {
    const { client, relay, clock, states } = setup();
    relay.version = PROTOCOL_VERSION + 1;
    const pong = codeOf(client.ping());
    await clock.advance(600_000);
    expect(client.state).toBe('incompatible');
    expect(states).toEqual(['connecting', 'incompatible']);
    expect(relay.connections).toHaveLength(1);
    expect(await pong).toBe('UNSUPPORTED_VERSION');
  });

  it('treats a socket factory that throws as a lost connection and retries', async () => {
    const clock = new FakeClock();
    const relay = new FakeRelay(clock);
    let calls = 0;
    const client = createDeliveryClient({
      url: 'wss://relay.test/ws',
      connect: (url) => {
        calls += 1;
        if (calls === 1) throw new Error('offline');
        return relay.connect(url);
      },
      clock,
      random: () => 0.5,
      randomBytes: (length) => new Uint8Array(length),
      device: 'dev1',
      onEnvelope: () => Promise.resolve(),
      backoff: { baseMs: 100, maxMs: 1000 },
    });
    await clock.advance(50);
    expect(calls).toBe(2);
    expect(client.state).toBe('connected');
  });

  it('drops a socket whose hello is never answered, then reconnects', async () => {
    const { client, relay, clock } = setup();
    relay.ignoreHello = true;
    await clock.advance(999);
    expect(relay.connections).toHaveLength(1);
    await clock.advance(1);
    expect(relay.connections[0]?.open).toBe(false);
    relay.ignoreHello = false;
    await clock.advance(100);
    expect(relay.connections).toHaveLength(2);
    expect(client.state).toBe('connected');
  });
});

describe('createDeliveryClient: reconnectNow', () => {
  it('tries at once while waiting out the backoff, and is connected', async () => {
    const { relay, clock, client } = setup({ random: () => 0.999 });
    await settle();
    relay.refuseWith = 1006;
    relay.close(relay.current, 1006);
    // Windows 100, 200, 400, 800: the next wait would be 999.
    await clock.advance(99 + 199 + 399 + 799);
    expect(relay.connections).toHaveLength(5);
    relay.refuseWith = null;
    const before = clock.now();
    client.reconnectNow();
    await settle();
    expect(relay.connections).toHaveLength(6);
    expect(relay.current.openedAt).toBe(before);
    expect(client.state).toBe('connected');
    // The cancelled timer opens nothing more.
    await clock.advance(1000);
    expect(relay.connections).toHaveLength(6);
  });

  it('starts the backoff over, so a failed attempt is retried within the base window', async () => {
    const { relay, clock, client } = setup({ random: () => 0.999 });
    await settle();
    relay.refuseWith = 1006;
    relay.close(relay.current, 1006);
    await clock.advance(99 + 199 + 399 + 799);
    client.reconnectNow();
    await settle();
    const attemptAt = relay.current.openedAt;
    await clock.advance(99);
    expect(relay.connections).toHaveLength(7);
    expect(relay.current.openedAt - attemptAt).toBe(99);
  });

  it('also cuts short the wait after a first attempt that could not even start', async () => {
    const clock = new FakeClock();
    const relay = new FakeRelay(clock);
    let calls = 0;
    const client = createDeliveryClient({
      url: 'wss://relay.test/ws',
      connect: (url) => {
        calls += 1;
        if (calls === 1) throw new Error('offline');
        return relay.connect(url);
      },
      clock,
      random: () => 0.999,
      randomBytes: (length) => new Uint8Array(length),
      device: 'dev1',
      onEnvelope: () => Promise.resolve(),
      backoff: { baseMs: 100, maxMs: 1000 },
    });
    client.reconnectNow();
    await settle();
    expect(calls).toBe(2);
    expect(client.state).toBe('connected');
  });

  it('does nothing while connected', async () => {
    const { relay, client } = setup();
    await settle();
    client.reconnectNow();
    await settle();
    expect(relay.connections).toHaveLength(1);
    expect(relay.current.open).toBe(true);
    expect(client.state).toBe('connected');
  });

  it('does nothing while an attempt waits for its welcome', async () => {
    const { relay, client } = setup();
    relay.ignoreHello = true;
    await settle();
    client.reconnectNow();
    await settle();
    expect(relay.connections).toHaveLength(1);
    expect(relay.current.open).toBe(true);
  });

  it.each([
    [
      'closed',
      (client: ReturnType<typeof setup>['client']) => {
        client.close();
      },
    ],
    [
      'signed-out',
      (_client: ReturnType<typeof setup>['client'], relay: FakeRelay) => {
        relay.close(relay.current, 1008);
      },
    ],
  ] as const)('does nothing once %s', async (state, end) => {
    const { relay, client, clock } = setup();
    await settle();
    end(client, relay);
    await settle();
    client.reconnectNow();
    await clock.advance(60_000);
    expect(client.state).toBe(state);
    expect(relay.connections).toHaveLength(1);
  });
});

describe('createDeliveryClient: outbox', () => {
  it('goes queued → sending → sent and forgets the send', async () => {
    const store = createMemoryOutboxStore();
    const { client, relay, updates } = setup({ outbox: store });
    const msg = await client.send(to);
    await settle();
    expect(statesOf(updates, msg)).toEqual(['queued', 'sending', 'sent']);
    expect(relay.framesOf('send')).toEqual([
      expect.objectContaining({ msg, to: [{ device: 'bob1', body: new Uint8Array([9, 9, 9]) }] }),
    ]);
    expect(client.sendState(msg)).toBeUndefined();
    expect(await store.load()).toEqual([]);
  });

  it('persists a send before resolving', async () => {
    const store = createMemoryOutboxStore();
    const { client, relay } = setup({ outbox: store });
    relay.holdSends = true;
    const msg = await client.send(to, msgOf(42));
    expect(msg).toEqual(msgOf(42));
    expect((await store.load()).map((record) => record.msg)).toEqual([msgOf(42)]);
  });

  it('resends a send that lost its connection before `sent`, with the same msg id', async () => {
    const { client, relay, clock, updates } = setup();
    relay.holdSends = true;
    const msg = await client.send(to);
    await settle();
    expect(client.sendState(msg)).toBe('sending');
    relay.close(relay.current, 1006);
    await settle();
    expect(client.sendState(msg)).toBe('queued');
    relay.holdSends = false;
    await clock.advance(100);
    const sends = relay.framesOf('send');
    expect(sends.map((frame) => frame.msg)).toEqual([msg, msg]);
    expect(relay.stored.size).toBe(1);
    expect(statesOf(updates, msg)).toEqual(['queued', 'sending', 'queued', 'sending', 'sent']);
  });

  it('does not resend a send after `sent`', async () => {
    const { client, relay, clock } = setup();
    await client.send(to);
    await settle();
    relay.close(relay.current, 1001);
    await clock.advance(100);
    expect(relay.connections).toHaveLength(2);
    expect(relay.framesOf('send')).toHaveLength(1);
  });

  it('resends unacknowledged sends in the order they were made', async () => {
    const { client, relay, clock } = setup();
    relay.holdSends = true;
    const made = [await client.send(to), await client.send(to), await client.send(to)];
    await settle();
    relay.answer(1); // the middle one is done
    await settle();
    relay.close(relay.current, 1006);
    relay.holdSends = false;
    await clock.advance(100);
    const resent = relay.connections[1]?.frames.flatMap((f) => (f.t === 'send' ? [f.msg] : []));
    expect(resent).toEqual([made[0], made[2]]);
    expect(made.map((msg) => client.sendState(msg))).toEqual([undefined, undefined, undefined]);
  });

  it.each<ProtocolErrorCode>(['TOO_MANY_RECIPIENTS', 'ENVELOPE_TOO_LARGE', 'UNKNOWN_DEVICE'])(
    'fails a send for good on %s and never resends it',
    async (code) => {
      const store = createMemoryOutboxStore();
      const { client, relay, clock, updates } = setup({ outbox: store });
      relay.refuseSends = [code];
      const msg = await client.send(to);
      await settle();
      expect(updates.at(-1)).toEqual({ msg, state: 'failed', code });
      relay.close(relay.current, 1006);
      await clock.advance(60_000);
      expect(relay.framesOf('send')).toHaveLength(1);
      expect(await store.load()).toEqual([]);
    },
  );

  it.each<ProtocolErrorCode>([
    'RATE_LIMITED',
    'STORAGE_FULL',
    'STORAGE_BUSY',
    'SLOW_DOWN',
    'QUOTA_EXCEEDED',
    'INTERNAL',
  ])('retries a send refused with %s after a backoff, with the same msg id', async (code) => {
    const { client, relay, clock, updates } = setup();
    relay.refuseSends = [code, code];
    const msg = await client.send(to);
    await settle();
    expect(updates.at(-1)).toEqual({ msg, state: 'queued', code });
    // First retry window 100 ms (draw 0.5 → 50 ms), second 200 ms (→ 100 ms).
    await clock.advance(49);
    expect(relay.framesOf('send')).toHaveLength(1);
    await clock.advance(1);
    expect(relay.framesOf('send')).toHaveLength(2);
    await clock.advance(100);
    expect(relay.framesOf('send').map((frame) => frame.msg)).toEqual([msg, msg, msg]);
    expect(updates.at(-1)).toEqual({ msg, state: 'sent' });
  });

  it('retries a send whose `sent` does not come in time', async () => {
    const { client, relay, clock, updates } = setup();
    relay.holdSends = true;
    const msg = await client.send(to);
    await clock.advance(1000);
    expect(updates.at(-1)).toEqual({ msg, state: 'queued', code: 'TIMEOUT' });
    relay.holdSends = false;
    await clock.advance(50);
    expect(updates.at(-1)).toEqual({ msg, state: 'sent' });
    expect(relay.stored.size).toBe(1);
  });

  it('sends what a persisted outbox held at start, oldest first', async () => {
    const record = (byte: number, seq: number) => ({ msg: msgOf(byte), to, seq, createdAt: 0 });
    const store = createMemoryOutboxStore([record(2, 1), record(1, 0)]);
    const { relay, client } = setup({ outbox: store });
    await settle();
    expect(relay.framesOf('send').map((frame) => frame.msg)).toEqual([msgOf(1), msgOf(2)]);
    const later = await client.send(to);
    await settle();
    expect(relay.framesOf('send').at(-1)?.msg).toEqual(later);
    expect(await store.load()).toEqual([]);
  });

  it('refuses before storing a send the relay would refuse for good', async () => {
    const store = createMemoryOutboxStore();
    const { client } = setup({ outbox: store });
    const many = Array.from({ length: LIMITS.maxRecipients + 1 }, (_, i) => ({
      device: `d${i}`,
      body: new Uint8Array(1),
    }));
    const big = [{ device: 'bob1', body: new Uint8Array(LIMITS.maxEnvelopeBytes + 1) }];
    const wide = Array.from({ length: 10 }, (_, i) => ({
      device: `d${i}`,
      body: new Uint8Array(LIMITS.maxEnvelopeBytes),
    }));
    expect(await codeOf(client.send(many))).toBe('TOO_MANY_RECIPIENTS');
    expect(await codeOf(client.send(big))).toBe('ENVELOPE_TOO_LARGE');
    expect(await codeOf(client.send(wide))).toBe('FRAME_TOO_LARGE');
    expect(await codeOf(client.send([]))).toBe('INVALID_MESSAGE');
    expect(await codeOf(client.send(to, new Uint8Array(15)))).toBe('INVALID_MESSAGE');
    expect(await store.load()).toEqual([]);
  });

  it('rejects with OUTBOX_STORE_FAILED when the send cannot be persisted, and sends nothing', async () => {
    const failing: OutboxStore = {
      load: () => Promise.resolve([]),
      save: () => Promise.reject(new Error('quota')),
      delete: () => Promise.resolve(),
    };
    const { client, relay } = setup({ outbox: failing });
    expect(await codeOf(client.send(to))).toBe('OUTBOX_STORE_FAILED');
    await settle();
    expect(relay.framesOf('send')).toEqual([]);
  });

  it('keeps an unanswered send in the store when the client is closed', async () => {
    const store = createMemoryOutboxStore();
    const { client, relay, updates } = setup({ outbox: store });
    relay.holdSends = true;
    const msg = await client.send(to);
    await settle();
    client.close();
    expect(updates.at(-1)).toEqual({ msg, state: 'queued', code: 'CLOSED' });
    expect((await store.load()).map((record) => record.msg)).toEqual([msg]);
  });

  it('keeps the same message id when the same send is made twice', async () => {
    const { client, relay } = setup();
    relay.holdSends = true;
    await client.send(to, msgOf(5));
    await client.send(to, msgOf(5));
    await settle();
    expect(relay.framesOf('send')).toHaveLength(1);
  });
});

describe('createDeliveryClient: incoming envelopes', () => {
  it('acks only the envelopes whose handler resolved, in one ack for the batch', async () => {
    const { relay } = setup({
      onEnvelope: (envelope) =>
        envelope.id === 'e2' ? Promise.reject(new Error('disk full')) : Promise.resolve(),
    });
    await settle();
    relay.push(relay.current, { t: 'deliver', envelopes: ['e1', 'e2', 'e3'].map(envelope) });
    await settle();
    expect(relay.acks).toEqual([['e1', 'e3']]);
  });

  it('acks nothing before the handler resolved', async () => {
    const pending: (() => void)[] = [];
    const { relay } = setup({
      onEnvelope: () =>
        new Promise<void>((resolve) => {
          pending.push(resolve);
        }),
    });
    await settle();
    relay.push(relay.current, { t: 'deliver', envelopes: [envelope('e1')] });
    await settle();
    expect(pending).toHaveLength(1);
    expect(relay.acks).toEqual([]);
    pending[0]?.();
    await settle();
    expect(relay.acks).toEqual([['e1']]);
  });

  it('never acks when the handler fails, and reports it', async () => {
    const { relay, issues } = setup({ onEnvelope: () => Promise.reject(new Error('no')) });
    await settle();
    relay.push(relay.current, { t: 'deliver', envelopes: [envelope('e1')] });
    await settle();
    expect(relay.acks).toEqual([]);
    expect(relay.framesOf('ack')).toEqual([]);
    expect(issues).toEqual([
      { kind: 'envelope-handler-failed', envelope: 'e1', error: new Error('no') },
    ]);
  });

  it('drops the acks of a connection that closed while the handler ran', async () => {
    const pending: (() => void)[] = [];
    const { relay, clock } = setup({
      onEnvelope: () =>
        new Promise<void>((resolve) => {
          pending.push(resolve);
        }),
    });
    await settle();
    relay.push(relay.current, { t: 'deliver', envelopes: [envelope('e1')] });
    await settle();
    relay.close(relay.current, 1006);
    await clock.advance(100);
    pending[0]?.();
    await settle();
    expect(relay.framesOf('ack')).toEqual([]);
  });

  it('tells queue-empty after the envelopes before it were handled, and prekeys-low', async () => {
    const events: string[] = [];
    const { relay } = setup({
      onEnvelope: async (e) => {
        await settle();
        events.push(e.id);
      },
      onQueueEmpty: () => events.push('empty'),
      onPrekeysLow: (remaining) => events.push(`low ${remaining}`),
    });
    await settle();
    relay.push(relay.current, { t: 'deliver', envelopes: [envelope('e1'), envelope('e2')] });
    relay.push(relay.current, { t: 'queue-empty' });
    relay.push(relay.current, { t: 'prekeys-low', remaining: 3 });
    for (let i = 0; i < 5; i += 1) await settle();
    expect(events).toEqual(['low 3', 'e1', 'e2', 'empty']);
  });
});

describe('createDeliveryClient: outbox under random failures (property)', () => {
  type Step =
    | { readonly kind: 'send' }
    | { readonly kind: 'disconnect'; readonly code: number }
    | { readonly kind: 'answer'; readonly index: number }
    | { readonly kind: 'answer-then-drop'; readonly index: number }
    | { readonly kind: 'refuse'; readonly code: ProtocolErrorCode }
    | { readonly kind: 'advance'; readonly ms: number };

  const step: fc.Arbitrary<Step> = fc.oneof(
    fc.constant({ kind: 'send' as const }),
    fc.record({
      kind: fc.constant('disconnect' as const),
      code: fc.constantFrom(1001, 1006, 1011),
    }),
    fc.record({ kind: fc.constant('answer' as const), index: fc.nat(20) }),
    fc.record({ kind: fc.constant('answer-then-drop' as const), index: fc.nat(20) }),
    fc.record({
      kind: fc.constant('refuse' as const),
      code: fc.constantFrom<ProtocolErrorCode>('RATE_LIMITED', 'STORAGE_FULL'),
    }),
    fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 3000 }) }),
  );

  it('brings every send to `sent` exactly once, stored once, under the same id', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { maxLength: 30 }), async (steps) => {
        const { client, relay, clock, updates } = setup();
        relay.holdSends = true;
        const made: Uint8Array[] = [];
        for (const next of steps) {
          switch (next.kind) {
            case 'send':
              made.push(await client.send(to));
              break;
            case 'disconnect':
              if (relay.connections.length > 0) relay.close(relay.current, next.code);
              break;
            case 'answer':
              relay.answer(next.index);
              break;
            case 'answer-then-drop': {
              // The relay stored the send but the `sent` is lost with the connection.
              const open = relay.held.filter((held) => held.connection.open);
              const lost = open[next.index % Math.max(open.length, 1)];
              if (lost !== undefined) {
                relay.held = relay.held.filter((held) => held !== lost);
                relay.close(lost.connection, 1006);
              }
              break;
            }
            case 'refuse':
              relay.refuseSends.push(next.code);
              break;
            case 'advance':
              await clock.advance(next.ms);
              break;
          }
          await settle();
        }
        // Heal: the relay answers everything from now on.
        relay.holdSends = false;
        relay.refuseSends = [];
        for (let i = 0; i < relay.held.length + 1; i += 1) relay.answer(0);
        for (let i = 0; i < 10; i += 1) await clock.advance(5_000);

        const keys = made.map(messageKey);
        for (const key of keys) {
          const sent = updates.filter((u) => messageKey(u.msg) === key && u.state === 'sent');
          if (sent.length !== 1) return false;
        }
        if (updates.some((update) => update.state === 'failed')) return false;
        // The relay saw no id the client did not make (no fresh id on a retry) and stored each.
        const seen = new Set(relay.framesOf('send').map((frame) => messageKey(frame.msg)));
        const mine = new Set(keys);
        if ([...seen].some((key) => !mine.has(key))) return false;
        if ([...relay.stored.keys()].sort().join() !== [...mine].sort().join()) return false;
        if ([...relay.stored.values()].some((count) => count !== 1)) return false;
        return made.every((msg) => client.sendState(msg) === undefined);
      }),
      { numRuns: 150, seed: 20261125 },
    );
  });
});
