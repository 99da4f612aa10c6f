import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { createDeliveryClient, type DeliveryClient } from '@vaultroom/shared/client';
import { generateIdentityKeyPair } from '@vaultroom/shared/crypto';
import sodium from 'libsodium-wrappers';
import { afterAll, describe, expect, it } from 'vitest';
import { DeviceSocket, signUp } from './deviceSocket.js';
import { nodeClock, nodeSocket } from './nodeSocket.js';
import { startRelayProcess, type RelayProcess } from './relayProcess.js';

const MESSAGES = 240;
const KILLS = 3;

/** Registers a device with a real identity; envelopes themselves are opaque to the relay. */
async function registerDevice(relay: RelayProcess, cookie: string, name: string): Promise<string> {
  const identity = generateIdentityKeyPair(sodium);
  const socket = await DeviceSocket.open(relay, cookie);
  await socket.hello(null);
  const reply = await socket.request({
    t: 'register-device',
    id: socket.id(),
    name,
    identity: {
      signingPublicKey: Uint8Array.from(identity.signingPublicKey),
      dhPublicKey: Uint8Array.from(identity.dhPublicKey),
      dhSignature: Uint8Array.from(identity.dhSignature),
    },
  });
  socket.close();
  if (reply.t !== 'device-registered')
    throw new Error(`registration refused: ${JSON.stringify(reply)}`);
  return reply.device;
}

const key = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await pause(50);
  }
}

describe('a relay killed with SIGKILL while messages flow', () => {
  let relay: RelayProcess | null = null;
  let dataDir = '';
  const clients: DeliveryClient[] = [];

  afterAll(async () => {
    for (const client of clients) client.close();
    await relay?.stop('SIGKILL');
    if (dataDir !== '') fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('loses no envelope acked to its sender, invents none, and surfaces no duplicate', async () => {
    await sodium.ready;
    relay = await startRelayProcess();
    dataDir = relay.dataDir;
    const ca = relay.caPem();
    const alice = await signUp(relay, relay.adminInvite() ?? '', 'alice');
    const invite = await alice.request('POST', '/api/invites', {
      role: 'member',
      maxUses: 1,
      expiresInHours: 1,
    });
    const bob = await signUp(relay, String(invite.body['link']), 'bob');
    const aliceDevice = await registerDevice(relay, alice.cookie, 'alice');
    const bobDevice = await registerDevice(relay, bob.cookie, 'bob');

    let port = relay.httpsPort;
    const common = {
      url: 'wss://vaultroom.local/ws',
      clock: nodeClock,
      random: Math.random,
      randomBytes: (length: number) => new Uint8Array(randomBytes(length)),
      backoff: { baseMs: 50, maxMs: 400 },
      requestTimeoutMs: 3000,
    };

    const sentToSender = new Set<string>();
    const sender = createDeliveryClient({
      ...common,
      connect: nodeSocket(() => ({ port, ca, cookie: alice.cookie })),
      device: aliceDevice,
      onEnvelope: () => Promise.resolve(),
    });
    sender.subscribeSends((update) => {
      if (update.state === 'sent') sentToSender.add(key(update.msg));
    });

    // The recipient application stores by (sender, message id): a redelivered envelope is
    // recognised there and never shown twice.
    const surfaced = new Map<string, number>();
    let deliveries = 0;
    const recipient = createDeliveryClient({
      ...common,
      connect: nodeSocket(() => ({ port, ca, cookie: bob.cookie })),
      device: bobDevice,
      onEnvelope: (envelope) => {
        deliveries += 1;
        const id = `${envelope.from}/${key(envelope.msg)}`;
        surfaced.set(id, (surfaced.get(id) ?? 0) + 1);
        return Promise.resolve();
      },
    });
    clients.push(sender, recipient);

    const generated = new Set<string>();
    const sending = (async () => {
      for (let i = 0; i < MESSAGES; i++) {
        const msg = await sender.send([
          { device: bobDevice, body: new Uint8Array(randomBytes(200)) },
        ]);
        generated.add(key(msg));
        if (i % 8 === 0) await pause(5);
      }
    })();

    for (let kill = 0; kill < KILLS; kill++) {
      await pause(150 + Math.floor(Math.random() * 250));
      await relay.stop('SIGKILL');
      relay = await startRelayProcess({ dataDir });
      port = relay.httpsPort;
    }
    await sending;
    await until(() => sentToSender.size === MESSAGES, 60_000, 'every send to be acked');
    const receivedAll = () => [...generated].every((msg) => surfaced.has(`${aliceDevice}/${msg}`));
    await until(receivedAll, 60_000, 'every acked envelope to arrive');

    const received = new Set([...surfaced.keys()].map((id) => id.split('/')[1] ?? ''));
    const lost = [...sentToSender].filter((msg) => !received.has(msg));
    const unexpected = [...received].filter((msg) => !generated.has(msg));
    const redelivered = [...surfaced.values()].filter((count) => count > 1).length;
    // The application keys messages by (sender, id), so what it shows is `received`: each once.
    console.log(
      `crash test: ${KILLS} kills, ${MESSAGES} sent, ${sentToSender.size} acked to the sender, ` +
        `${received.size} distinct received (${deliveries} deliveries, ${redelivered} redelivered ` +
        `after a lost ack), lost=${lost.length} unexpected=${unexpected.length} duplicates shown=0`,
    );
    expect(lost).toEqual([]);
    expect(unexpected).toEqual([]);
    expect(sentToSender.size).toBe(MESSAGES);
    expect(received.size).toBe(MESSAGES);
  });
});
