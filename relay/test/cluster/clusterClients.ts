import { randomBytes } from 'node:crypto';
import { createDeliveryClient, type DeliveryClient } from '@vaultroom/shared/client';
import { nodeClock, nodeSocket } from '../nodeSocket.js';

/**
 * A delivery client (outbox, retries, reconnects) of the app's own library, connecting wherever
 * `target` says at each attempt: a test's load balancer in front of several relays.
 */
export function clusterClient(options: {
  readonly target: () => { port: number; ca: string; cookie: string };
  readonly device: string;
  readonly onMessage?: (msgHex: string) => void;
}): DeliveryClient {
  return createDeliveryClient({
    url: 'wss://vaultroom.local/ws',
    clock: nodeClock,
    random: Math.random,
    randomBytes: (length: number) => new Uint8Array(randomBytes(length)),
    backoff: { baseMs: 50, maxMs: 400 },
    requestTimeoutMs: 3000,
    connect: nodeSocket(options.target),
    device: options.device,
    onEnvelope: (envelope) => {
      options.onMessage?.(Buffer.from(envelope.msg).toString('hex'));
      return Promise.resolve();
    },
  });
}

export const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
