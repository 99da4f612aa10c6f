/**
 * A load generator worker thread: it owns a slice of the simulated clients (each client and its
 * peer live in the same worker, so one clock times a message end to end) and their sockets to the
 * relay and to the bare uWS baselines, and runs the loops the main thread asks for.
 *
 * A message's body is 200 bytes: its send time (float64 ms, the scheduled time in an open loop,
 * so a stalled server cannot hide its delay), the sender's index and the message's sequence number,
 * then filler. Latency is measured at the recipient, from that time to the frame's arrival.
 */
import { parentPort } from 'node:worker_threads';
import { decode } from 'cborg';
import { PROTOCOL_VERSION, encodeFrame, type ServerFrame } from '@vaultroom/shared/protocol';
import { HandFramedSocket } from './HandFramedSocket.js';
import type {
  Backlog,
  ClientSpec,
  MarkReply,
  RunTally,
  StopReply,
  Target,
  WorkerCommand,
} from './WorkerCommand.js';

const BODY_BYTES = 200;
/** Request ids for control requests, far above any send's sequence number. */
let controlId = 4_000_000_000;
/** Bits of a message in flight: its recipient got it; its sender got `sent` (relay only). */
const DELIVERED = 1;
const SENT = 2;
const CONNECT_CONCURRENCY = 32;

interface Waiter {
  readonly match: (frame: ServerFrame) => boolean;
  readonly resolve: (frame: ServerFrame) => void;
}

interface Client {
  readonly spec: ClientSpec;
  device: string | null;
  peerDevice: string | null;
  readonly sockets: Partial<Record<Target, HandFramedSocket>>;
  seq: number;
  /** The last sequence number sent before the run in progress started. */
  runFrom: number;
  /** Sequence number → bits still missing before the message leaves the loop. */
  readonly inflight: Map<number, number>;
  readonly acks: string[];
  waiters: Waiter[];
  received: number;
}

const port = parentPort;
if (port === null) throw new Error('loadWorker runs as a worker thread');

let ports: Record<Target, number> = { relay: 0, uwsOne: 0, uwsBatched: 0 };
let ca = '';
let origin = '';
const clients = new Map<number, Client>();
const idle: HandFramedSocket[] = [];

// The run in progress.
let running: { target: Target; kind: 'closed' | 'open'; active: Client[]; window: number } | null =
  null;
let recording = false;
let latencies: number[] = [];
let delivered = 0;
let errors = 0;
const errorCodes = new Set<string>();
const emptyTally = (): { -readonly [K in keyof RunTally]: RunTally[K] } => ({
  sent: 0,
  unsent: 0,
  sendAcked: 0,
  delivered: 0,
  duplicates: 0,
  misdelivered: 0,
  acked: 0,
  closes: 0,
});
let tally = emptyTally();
let openTimer: NodeJS.Timeout | null = null;

const body = Buffer.alloc(BODY_BYTES, 0x5a);
const msgId = Buffer.alloc(16);
const workerTag = Math.floor(Math.random() * 0xffff_ffff);

const now = () => performance.timeOrigin + performance.now();

function clientOf(index: number): Client {
  const client = clients.get(index);
  if (client === undefined) throw new Error(`client ${index} is not in this worker`);
  return client;
}

function waitFor(
  client: Client,
  match: (frame: ServerFrame) => boolean,
  ms = 60_000,
): Promise<ServerFrame> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      client.waiters = client.waiters.filter((w) => w !== waiter);
      reject(new Error(`client ${client.spec.index}: no reply within ${ms} ms`));
    }, ms);
    const waiter: Waiter = {
      match,
      resolve: (frame) => {
        clearTimeout(timer);
        resolve(frame);
      },
    };
    client.waiters.push(waiter);
  });
}

const dirtyAcks = new Set<Client>();
let acksScheduled = false;
function flushAcks(client: Client): void {
  const socket = client.sockets.relay;
  while (client.acks.length > 0) {
    const envelopes = client.acks.splice(0, 1024);
    if (socket?.isOpen) tally.acked += envelopes.length;
    socket?.send(encodeFrame({ t: 'ack', envelopes }));
  }
}
function queueAck(client: Client, id: string): void {
  client.acks.push(id);
  dirtyAcks.add(client);
  if (!acksScheduled) {
    acksScheduled = true;
    // Acks of one loop turn go out in one frame per client, as a real client batches them.
    setImmediate(() => {
      acksScheduled = false;
      for (const c of dirtyAcks) flushAcks(c);
      dirtyAcks.clear();
    });
  }
}

/**
 * The recipient side: a message arrived, by whichever server (at `recipient`, when the server
 * says which client it pushed to).
 */
function arrived(bytes: Uint8Array, at: number, recipient?: Client): void {
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.byteLength < 16) return;
  const sender = clients.get(view.readUInt32LE(8));
  const seq = view.readUInt32LE(12);
  if (sender === undefined) return;
  // Only messages of the run in progress count: a late one from an earlier run (a server that
  // fell behind) is ignored, and so are backlog envelopes (their senders awaited only `sent`).
  // A message of this run that is no longer awaited arrived before: a duplicate.
  if (((sender.inflight.get(seq) ?? 0) & DELIVERED) === 0) {
    if (running !== null && seq > sender.runFrom && seq <= sender.seq) tally.duplicates += 1;
    return;
  }
  // Pushed to the wrong client: counted, and left in flight, so it is also never delivered.
  if (recipient !== undefined && recipient.spec.index !== sender.spec.peer) {
    tally.misdelivered += 1;
    return;
  }
  if (recording) latencies.push((at - view.readDoubleLE(0)) * 1000);
  delivered += 1;
  tally.delivered += 1;
  settle(sender, seq, DELIVERED);
}

function settle(client: Client, seq: number, bit: number): void {
  const missing = client.inflight.get(seq);
  if (missing === undefined) return;
  const left = missing & ~bit;
  if (left !== 0) {
    client.inflight.set(seq, left);
    return;
  }
  client.inflight.delete(seq);
  if (running?.kind === 'closed' && client.inflight.size < running.window) {
    sendMessage(client, running.target, now());
  }
}

function onRelayFrame(client: Client, payload: Buffer): void {
  const at = now();
  const frame = decode(payload) as ServerFrame;
  if (frame.t === 'deliver') {
    for (const envelope of frame.envelopes) {
      client.received += 1;
      queueAck(client, envelope.id);
      arrived(envelope.body, at, client);
    }
  } else if (frame.t === 'sent') {
    if (((client.inflight.get(frame.id) ?? 0) & SENT) !== 0) tally.sendAcked += 1;
    settle(client, frame.id, SENT);
  } else if (frame.t === 'error') {
    errors += 1;
    errorCodes.add(frame.code);
    if (frame.id !== null) client.inflight.delete(frame.id);
  }
  if (client.waiters.length > 0) {
    const waiter = client.waiters.find((w) => w.match(frame));
    if (waiter !== undefined) {
      client.waiters = client.waiters.filter((w) => w !== waiter);
      waiter.resolve(frame);
    }
  }
}

function onBareFrame(payload: Buffer): void {
  const at = now();
  const frame = decode(payload) as { t: string; to?: { body: Uint8Array }[] };
  const first = frame.to?.[0];
  if (first !== undefined) arrived(first.body, at);
}

/** Sends one message from `client` to its peer through `target`, stamped with `stamp`. */
function sendMessage(client: Client, target: Target, stamp: number): void {
  const socket = client.sockets[target];
  if (!socket?.isOpen) {
    tally.unsent += 1;
    return;
  }
  tally.sent += 1;
  const seq = ++client.seq;
  body.writeDoubleLE(stamp, 0);
  body.writeUInt32LE(client.spec.index, 8);
  body.writeUInt32LE(seq, 12);
  msgId.writeUInt32LE(client.spec.index, 0);
  msgId.writeUInt32LE(seq, 4);
  msgId.writeUInt32LE(workerTag, 8);
  msgId.writeUInt32LE(Date.now() % 0xffff_ffff, 12);
  client.inflight.set(seq, target === 'relay' ? DELIVERED | SENT : DELIVERED);
  socket.send(
    encodeFrame({
      t: 'send',
      id: seq,
      msg: new Uint8Array(msgId),
      to: [{ device: client.peerDevice ?? 'none', body: new Uint8Array(body) }],
    }),
  );
}

async function pool<T>(
  items: readonly T[],
  limit: number,
  run: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await run(item);
    }
  });
  await Promise.all(lanes);
}

async function openRelay(client: Client): Promise<HandFramedSocket> {
  const socket = await HandFramedSocket.connect({
    port: ports.relay,
    ca,
    path: '/ws',
    origin,
    cookie: client.spec.cookie,
  });
  socket.onFrame = (payload) => {
    onRelayFrame(client, payload);
  };
  // A deliberate close replaces this handler (closeSocket): only the relay's closes count.
  socket.onClose = () => {
    tally.closes += 1;
  };
  client.sockets.relay = socket;
  return socket;
}

async function hello(client: Client, device: string | null): Promise<void> {
  const socket = client.sockets.relay;
  if (socket === undefined) throw new Error('no relay socket');
  const welcome = waitFor(client, (f) => f.t === 'welcome' || f.t === 'error');
  socket.send(encodeFrame({ t: 'hello', v: PROTOCOL_VERSION, device }));
  const reply = await welcome;
  if (reply.t !== 'welcome') throw new Error(`hello refused: ${JSON.stringify(reply)}`);
}

/** Sends a ping after everything queued on the socket (acks included); resolves on its reply. */
async function roundTrip(client: Client): Promise<void> {
  flushAcks(client);
  const id = controlId++;
  const done = waitFor(client, (f) => f.t === 'done' && f.id === id);
  client.sockets.relay?.send(encodeFrame({ t: 'ping', id }));
  await done;
}

function runBacklog(backlog: Backlog): Promise<void> {
  const client = clientOf(backlog.sender);
  const socket = client.sockets.relay;
  if (socket === undefined) throw new Error('backlog sender is not connected');
  const frames: string[][] = [];
  for (let round = 0; round < backlog.perRecipient; round++) {
    for (let i = 0; i < backlog.recipients.length; i += backlog.fanout) {
      frames.push(backlog.recipients.slice(i, i + backlog.fanout));
    }
  }
  return new Promise((resolve, reject) => {
    let nextFrame = 0;
    let outstanding = 0;
    const pump = () => {
      while (outstanding < backlog.window && nextFrame < frames.length) {
        const recipients = frames[nextFrame++] ?? [];
        const seq = ++client.seq;
        body.writeDoubleLE(now(), 0);
        body.writeUInt32LE(client.spec.index, 8);
        body.writeUInt32LE(seq, 12);
        msgId.writeUInt32LE(client.spec.index, 0);
        msgId.writeUInt32LE(seq, 4);
        msgId.writeUInt32LE(workerTag, 8);
        const bytes = new Uint8Array(body);
        client.inflight.set(seq, SENT);
        outstanding += 1;
        const id = seq;
        waitFor(client, (f) => (f.t === 'sent' || f.t === 'error') && f.id === id).then((reply) => {
          if (reply.t === 'error') {
            reject(new Error(`backlog send refused: ${reply.code}`));
            return;
          }
          outstanding -= 1;
          if (nextFrame >= frames.length && outstanding === 0) resolve();
          else pump();
        }, reject);
        socket.send(
          encodeFrame({
            t: 'send',
            id: seq,
            msg: new Uint8Array(msgId),
            to: recipients.map((device) => ({ device, body: bytes })),
          }),
        );
      }
    };
    if (frames.length === 0) resolve();
    else pump();
  });
}

async function drain(client: Client, connect: boolean): Promise<number> {
  if (connect) await openRelay(client);
  client.received = 0;
  const empty = waitFor(client, (f) => f.t === 'queue-empty');
  await hello(client, client.device);
  await empty;
  await roundTrip(client);
  return client.received;
}

async function closeSocket(socket: HandFramedSocket | undefined): Promise<void> {
  if (!socket?.isOpen) return;
  const closed = new Promise<void>((resolve) => {
    socket.onClose = resolve;
  });
  socket.close();
  await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, 5000))]);
}

async function handle(command: WorkerCommand): Promise<unknown> {
  switch (command.op) {
    case 'init':
      ports = command.ports;
      ca = command.ca;
      origin = command.origin;
      for (const spec of command.clients) {
        clients.set(spec.index, {
          spec,
          device: null,
          peerDevice: null,
          sockets: {},
          seq: 0,
          runFrom: 0,
          inflight: new Map(),
          acks: [],
          waiters: [],
          received: 0,
        });
      }
      return null;
    case 'connectRelay': {
      const identities = new Map((command.identities ?? []).map((i) => [i.index, i]));
      const devices: Record<number, string> = {};
      await pool(command.indexes, CONNECT_CONCURRENCY, async (index) => {
        const client = clientOf(index);
        await openRelay(client);
        const identity = identities.get(index);
        if (identity === undefined) {
          if (command.hello !== false) await hello(client, client.device);
          return;
        }
        await hello(client, null);
        const id = controlId++;
        const reply = waitFor(client, (f) => 'id' in f && f.id === id);
        client.sockets.relay?.send(
          encodeFrame({
            t: 'register-device',
            id,
            name: `bench ${index}`,
            identity: {
              signingPublicKey: Uint8Array.from(identity.signingPublicKey),
              dhPublicKey: Uint8Array.from(identity.dhPublicKey),
              dhSignature: Uint8Array.from(identity.dhSignature),
            },
          }),
        );
        const registered = await reply;
        if (registered.t !== 'device-registered')
          throw new Error(`device registration refused: ${JSON.stringify(registered)}`);
        client.device = registered.device;
        devices[index] = registered.device;
      });
      return devices;
    }
    case 'setDevices':
      for (const client of clients.values()) {
        client.device = command.devices[client.spec.index] ?? null;
        client.peerDevice = command.devices[client.spec.peer] ?? null;
      }
      return null;
    case 'connectBare': {
      const target = command.target;
      const paired = [...clients.values()].filter((c) => c.spec.peer !== -1);
      await pool(paired, CONNECT_CONCURRENCY, async (client) => {
        const socket = await HandFramedSocket.connect({
          port: ports[target],
          ca,
          path: `/ws?c=${client.spec.index}&p=${client.spec.peer}`,
          origin,
        });
        socket.onFrame = onBareFrame;
        client.sockets[target] = socket;
      });
      return null;
    }
    case 'run': {
      const active = [...clients.values()].filter(
        (c) => c.spec.peer !== -1 && c.spec.index < command.active,
      );
      running = { target: command.target, kind: command.kind, active, window: command.window };
      latencies = [];
      delivered = 0;
      errors = 0;
      errorCodes.clear();
      tally = emptyTally();
      for (const client of active) client.runFrom = client.seq;
      if (command.kind === 'closed') {
        const start = now();
        for (const client of active) {
          for (let i = 0; i < command.window; i++) sendMessage(client, command.target, start);
        }
      } else if (active.length > 0 && command.rate > 0) {
        const start = now();
        const interval = 1000 / command.rate;
        let sent = 0;
        let turn = 0;
        const tick = () => {
          const due = Math.floor((now() - start) / interval);
          while (sent < due) {
            const client = active[turn++ % active.length];
            if (client !== undefined) sendMessage(client, command.target, start + sent * interval);
            sent += 1;
          }
          openTimer = setTimeout(tick, 1);
        };
        openTimer = setTimeout(tick, 1);
      }
      return null;
    }
    case 'mark': {
      recording = !recording;
      const reply: MarkReply = { delivered, errors, at: now() };
      return reply;
    }
    case 'stop': {
      const active = running?.active ?? [];
      if (openTimer !== null) clearTimeout(openTimer);
      openTimer = null;
      if (running !== null) running = { ...running, kind: 'open' }; // closed loops stop refilling
      recording = false;
      const deadline = Date.now() + (command.graceMs ?? 8000);
      const inflight = () => active.reduce((sum, c) => sum + c.inflight.size, 0);
      while (inflight() > 0 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const stuck = inflight();
      for (const client of active) client.inflight.clear();
      running = null;
      // Acks of the last deliveries go out now rather than on the next turn, so they are counted.
      for (const client of dirtyAcks) flushAcks(client);
      dirtyAcks.clear();
      const reply: StopReply = {
        latencies: Float64Array.from(latencies),
        stuck,
        errors,
        errorCodes: [...errorCodes],
        tally: { ...tally },
      };
      latencies = [];
      return reply;
    }
    case 'backlog':
      await Promise.all(command.backlogs.map(runBacklog));
      return null;
    case 'disconnect':
      await Promise.all(
        command.indexes.map(async (index) => {
          const client = clientOf(index);
          await closeSocket(client.sockets.relay);
          delete client.sockets.relay;
        }),
      );
      return null;
    case 'drain': {
      let received = 0;
      await pool(
        command.indexes,
        command.connect ? CONNECT_CONCURRENCY * 4 : 1_000_000,
        async (index) => {
          const count = await drain(clientOf(index), command.connect);
          received += count;
        },
      );
      return received;
    }
    case 'openIdle': {
      const owners = [...clients.values()];
      const slots = Array.from({ length: command.count }, (_, k) => k);
      const base = 100_000 + Math.floor(Math.random() * 1_000_000) * 100;
      // Resumed TLS sessions: ten thousand full handshakes would take this loaded generator
      // minutes, and the memory a server keeps per open connection is the same either way.
      let session: Buffer | undefined;
      await pool(slots, CONNECT_CONCURRENCY * 4, async (k) => {
        const owner = owners[k % owners.length];
        if (owner === undefined) return;
        const socket = await HandFramedSocket.connect({
          port: ports[command.target],
          ca,
          path: command.target === 'relay' ? '/ws' : `/ws?c=${base + k}&p=-1`,
          origin,
          cookie: owner.spec.cookie,
          ...(session === undefined ? {} : { session }),
          onSession: (ticket) => {
            session = ticket;
          },
        });
        idle.push(socket);
        if (command.target !== 'relay') return;
        // An authenticated protocol session: hello answered with welcome, then nothing.
        const welcome = new Promise<void>((resolve) => {
          socket.onFrame = () => {
            socket.onFrame = () => undefined;
            resolve();
          };
        });
        socket.send(encodeFrame({ t: 'hello', v: PROTOCOL_VERSION, device: null }));
        await welcome;
      });
      return idle.length;
    }
    case 'closeIdle': {
      const sockets = idle.splice(0);
      await pool(sockets, 256, closeSocket);
      return null;
    }
  }
}

port.on('message', (command: WorkerCommand) => {
  handle(command).then(
    (result) => {
      port.postMessage({ id: command.id, result });
    },
    (error: unknown) => {
      port.postMessage({
        id: command.id,
        error: error instanceof Error ? `${error.message}\n${error.stack ?? ''}` : String(error),
      });
    },
  );
});
