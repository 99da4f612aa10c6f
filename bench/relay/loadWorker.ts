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
import { PROTOCOL_VERSION, encodeFrame } from '@vaultroom/shared/protocol';
import { HandFramedSocket } from './HandFramedSocket.js';
import { closeSocket, drain, hello, openRelay, pool } from './worker/connections.js';
import {
  dirtyAcks,
  flushAcks,
  onBareFrame,
  runBacklog,
  sendMessage,
} from './worker/messageFlow.js';
import {
  CONNECT_CONCURRENCY,
  clientOf,
  clients,
  emptyTally,
  errorCodes,
  idle,
  now,
  state,
  waitFor,
} from './worker/workerState.js';
import type { MarkReply, StopReply, WorkerCommand } from './WorkerCommand.js';

const port = parentPort;
if (port === null) throw new Error('loadWorker runs as a worker thread');

let openTimer: NodeJS.Timeout | null = null;

async function handle(command: WorkerCommand): Promise<unknown> {
  switch (command.op) {
    case 'init':
      state.ports = command.ports;
      state.ca = command.ca;
      state.origin = command.origin;
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
        const id = state.controlId++;
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
          port: state.ports[target],
          ca: state.ca,
          path: `/ws?c=${client.spec.index}&p=${client.spec.peer}`,
          origin: state.origin,
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
      state.running = {
        target: command.target,
        kind: command.kind,
        active,
        window: command.window,
      };
      state.latencies = [];
      state.delivered = 0;
      state.errors = 0;
      errorCodes.clear();
      state.tally = emptyTally();
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
      state.recording = !state.recording;
      const reply: MarkReply = { delivered: state.delivered, errors: state.errors, at: now() };
      return reply;
    }
    case 'stop': {
      const active = state.running?.active ?? [];
      if (openTimer !== null) clearTimeout(openTimer);
      openTimer = null;
      if (state.running !== null) state.running = { ...state.running, kind: 'open' }; // closed loops stop refilling
      state.recording = false;
      const deadline = Date.now() + (command.graceMs ?? 8000);
      const inflight = () => active.reduce((sum, c) => sum + c.inflight.size, 0);
      while (inflight() > 0 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const stuck = inflight();
      for (const client of active) client.inflight.clear();
      state.running = null;
      // Acks of the last deliveries go out now rather than on the next turn, so they are counted.
      for (const client of dirtyAcks) flushAcks(client);
      dirtyAcks.clear();
      const reply: StopReply = {
        latencies: Float64Array.from(state.latencies),
        stuck,
        errors: state.errors,
        errorCodes: [...errorCodes],
        tally: { ...state.tally },
      };
      state.latencies = [];
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
          port: state.ports[command.target],
          ca: state.ca,
          path: command.target === 'relay' ? '/ws' : `/ws?c=${base + k}&p=-1`,
          origin: state.origin,
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
