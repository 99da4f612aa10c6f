import {
  createMemoryOutboxStore,
  type Clock,
  type SocketFactory,
  type SocketPort,
} from '@vaultroom/shared/client';
import {
  decodeClientFrame,
  encodeFrame,
  PROTOCOL_VERSION,
  type ClientFrame,
} from '@vaultroom/shared/protocol';
import { describe, expect, it } from 'vitest';
import type { ChatTransportHandlers } from '../chat/createChatEngine.js';
import { createRelayConnection } from './createRelayConnection.js';

const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

interface FakeSocket {
  readonly port: SocketPort;
  readonly frames: ClientFrame[];
  open: boolean;
  closedWith: number | null;
}

/** A relay that welcomes every hello, or refuses every upgrade (closes before opening). */
function fakeRelay() {
  const sockets: FakeSocket[] = [];
  let refuse = false;
  const connect: SocketFactory = () => {
    const port: SocketPort = {
      send: (bytes) => {
        const frame = decodeClientFrame(bytes);
        socket.frames.push(frame);
        if (frame.t === 'hello') {
          const welcome = encodeFrame({
            t: 'welcome',
            v: PROTOCOL_VERSION,
            device: frame.device,
            time: 1,
          });
          queueMicrotask(() => {
            if (socket.open) port.onMessage(welcome);
          });
        }
      },
      close: (code) => {
        socket.closedWith = code ?? 1005;
        socket.open = false;
        queueMicrotask(() => {
          port.onClose(code ?? 1005);
        });
      },
      onOpen: () => undefined,
      onMessage: () => undefined,
      onClose: () => undefined,
    };
    const socket: FakeSocket = { port, frames: [], open: !refuse, closedWith: null };
    sockets.push(socket);
    queueMicrotask(() => {
      if (refuse) port.onClose(1006);
      else if (socket.open) port.onOpen();
    });
    return socket.port;
  };
  return {
    connect,
    sockets,
    refuseUpgrades(on: boolean) {
      refuse = on;
    },
    /** The relay closes a socket. */
    end(socket: FakeSocket | undefined, code: number) {
      if (!socket?.open) return;
      socket.open = false;
      queueMicrotask(() => {
        socket.port.onClose(code);
      });
    },
    openSockets: () => sockets.filter((socket) => socket.open),
  };
}

/** Timers run only when a test says so. */
function manualClock() {
  let timers: { run: () => void; cancelled: boolean }[] = [];
  const clock: Clock = {
    now: () => 0,
    schedule(_ms, run) {
      const timer = { run, cancelled: false };
      timers.push(timer);
      return () => {
        timer.cancelled = true;
      };
    },
  };
  return {
    clock,
    /** Runs every pending timer once (the reconnect backoff, request timeouts). */
    runAll() {
      const due = timers.filter((timer) => !timer.cancelled);
      timers = [];
      for (const timer of due) timer.run();
    },
  };
}

function setup() {
  const relay = fakeRelay();
  const time = manualClock();
  let wake: () => void = () => undefined;
  let wakeups = 0;
  const connection = createRelayConnection({
    client: {
      url: 'wss://relay.test/ws',
      connect: relay.connect,
      clock: time.clock,
      random: () => 0.5,
      randomBytes: (length) => new Uint8Array(length),
    },
    subscribeWakeups: (listener) => {
      wake = listener;
      wakeups += 1;
      return () => {
        wake = () => undefined;
        wakeups -= 1;
      };
    },
  });
  const heard = { ended: 0, failed: 0 };
  const events = {
    onSessionEnded: () => {
      heard.ended += 1;
    },
    onConnectFailed: () => {
      heard.failed += 1;
    },
  };
  return {
    relay,
    time,
    connection,
    events,
    heard,
    wake: () => {
      wake();
    },
    wakeups: () => wakeups,
  };
}

const chatHandlers = (device: string): ChatTransportHandlers => ({
  device,
  outbox: createMemoryOutboxStore(),
  onEnvelope: () => Promise.resolve(),
  onPrekeysLow: () => undefined,
  onQueueEmpty: () => undefined,
  onTrustChanged: () => undefined,
});

describe('createRelayConnection', () => {
  it('opens one socket at start, saying hello without a device', async () => {
    const { relay, connection, events } = setup();
    connection.start(events);
    await settle();
    expect(relay.sockets).toHaveLength(1);
    expect(relay.sockets[0]?.frames[0]).toEqual({ t: 'hello', v: PROTOCOL_VERSION, device: null });
  });

  it('hands its one socket over to the chat, which names its device, and takes it back', async () => {
    const { relay, connection, events } = setup();
    connection.start(events);
    await settle();
    const link = connection.connectChat(chatHandlers('dev1'));
    await settle();
    expect(relay.openSockets()).toHaveLength(1);
    expect(relay.sockets[0]?.closedWith).toBe(1000);
    expect(relay.sockets[1]?.frames[0]).toEqual({
      t: 'hello',
      v: PROTOCOL_VERSION,
      device: 'dev1',
    });
    expect(link.state).toBe('connected');
    link.close();
    await settle();
    expect(relay.openSockets()).toEqual([relay.sockets[2]]);
    expect(relay.sockets[2]?.frames[0]).toMatchObject({ t: 'hello', device: null });
  });

  it('closes everything at stop, the chat link included, and opens nothing after', async () => {
    const { relay, connection, events, time } = setup();
    connection.start(events);
    const link = connection.connectChat(chatHandlers('dev1'));
    await settle();
    connection.stop();
    await settle();
    expect(link.state).toBe('closed');
    link.close();
    time.runAll();
    await settle();
    expect(relay.openSockets()).toEqual([]);
    expect(relay.sockets).toHaveLength(2);
  });

  it.each([
    ['without a device', false],
    ['of the chat', true],
  ])('tells the session at once when the relay ends the socket %s with 1008', async (_, chat) => {
    const { relay, connection, events, heard, time } = setup();
    connection.start(events);
    if (chat) connection.connectChat(chatHandlers('dev1'));
    await settle();
    relay.end(relay.sockets.at(-1), 1008);
    await settle();
    expect(heard.ended).toBe(1);
    time.runAll();
    await settle();
    expect(relay.openSockets()).toEqual([]);
    // The relay still knew the session (the close raced a new sign-in): connected again.
    connection.start(events);
    await settle();
    expect(relay.openSockets()).toHaveLength(1);
    expect(heard.ended).toBe(1);
  });

  it('tells the session of a socket that closed without opening, not of one it closed itself', async () => {
    const { relay, connection, events, heard, time } = setup();
    relay.refuseUpgrades(true);
    connection.start(events);
    await settle();
    expect(heard.failed).toBe(1);
    time.runAll();
    await settle();
    expect(heard.failed).toBe(2);
    relay.refuseUpgrades(false);
    connection.connectChat(chatHandlers('dev1'));
    connection.stop(); // before the chat's socket opened
    await settle();
    expect(relay.sockets.at(-1)?.closedWith).toBe(1000);
    expect(heard.failed).toBe(2);
  });

  it('reconnects at once when woken, instead of waiting out the backoff', async () => {
    const { relay, connection, events, wake } = setup();
    connection.start(events);
    connection.connectChat(chatHandlers('dev1'));
    await settle();
    relay.end(relay.sockets.at(-1), 1006);
    await settle();
    expect(relay.openSockets()).toEqual([]);
    wake();
    await settle();
    expect(relay.openSockets()).toHaveLength(1);
    expect(relay.sockets.at(-1)?.frames[0]).toMatchObject({ t: 'hello', device: 'dev1' });
  });

  it('listens for wakeups only while started', async () => {
    const { connection, events, wakeups } = setup();
    connection.start(events);
    connection.start(events);
    expect(wakeups()).toBe(1);
    connection.stop();
    expect(wakeups()).toBe(0);
    await settle();
  });
});
