/**
 * The state of one load generator worker: its clients and their sockets, and the run in
 * progress. One object, so that the worker's modules (message flow, connections, commands) share
 * it.
 */
import type { ServerFrame } from '@vaultroom/shared/protocol';
import type { HandFramedSocket } from '../HandFramedSocket.js';
import type { ClientSpec, RunTally, Target } from '../WorkerCommand.js';

export const BODY_BYTES = 200;
/** Bits of a message in flight: its recipient got it; its sender got `sent` (relay only). */
export const DELIVERED = 1;
export const SENT = 2;
export const CONNECT_CONCURRENCY = 32;

export interface Waiter {
  readonly match: (frame: ServerFrame) => boolean;
  readonly resolve: (frame: ServerFrame) => void;
}

export interface Client {
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

export const emptyTally = (): { -readonly [K in keyof RunTally]: RunTally[K] } => ({
  sent: 0,
  unsent: 0,
  sendAcked: 0,
  delivered: 0,
  duplicates: 0,
  misdelivered: 0,
  acked: 0,
  closes: 0,
});

export const state = {
  ports: { relay: 0, uwsOne: 0, uwsBatched: 0 } as Record<Target, number>,
  ca: '',
  origin: '',
  /** Request ids for control requests, far above any send's sequence number. */
  controlId: 4_000_000_000,
  /** The run in progress. */
  running: null as {
    target: Target;
    kind: 'closed' | 'open';
    active: Client[];
    window: number;
  } | null,
  recording: false,
  latencies: [] as number[],
  delivered: 0,
  errors: 0,
  tally: emptyTally(),
};
export const clients = new Map<number, Client>();
export const idle: HandFramedSocket[] = [];
export const errorCodes = new Set<string>();

export const body = Buffer.alloc(BODY_BYTES, 0x5a);
export const msgId = Buffer.alloc(16);
export const workerTag = Math.floor(Math.random() * 0xffff_ffff);

export const now = () => performance.timeOrigin + performance.now();

export function clientOf(index: number): Client {
  const client = clients.get(index);
  if (client === undefined) throw new Error(`client ${index} is not in this worker`);
  return client;
}

export function waitFor(
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
