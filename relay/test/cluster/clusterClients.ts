import { randomBytes } from 'node:crypto';
import { createDeliveryClient, type DeliveryClient } from '@vaultroom/shared/client';
import type { ApiClient } from '../apiClient.js';
import { signUp } from '../deviceSocket.js';
import { connect, enrol } from '../enrolDevice.js';
import { nodeClock, nodeSocket } from '../nodeSocket.js';
import type { RelayProcess } from '../relayProcess.js';

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

/** Signs a new member up on `relay` through a one-use invite `admin` makes. */
export async function invite(
  admin: ApiClient,
  relay: RelayProcess,
  handle: string,
): Promise<ApiClient> {
  const created = await admin.request('POST', '/api/invites', {
    role: 'member',
    maxUses: 1,
    expiresInHours: 1,
  });
  return signUp(relay, String(created.body['link']), handle);
}

/** Registers a device for `client` over a socket of its own on `relay`, closed after. */
export async function enrolDeviceOn(
  relay: RelayProcess,
  client: ApiClient,
  name: string,
): Promise<string> {
  const socket = await connect(relay, client, null);
  const device = await enrol(socket, name);
  socket.close();
  return device.id;
}
