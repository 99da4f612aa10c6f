import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { createDeliveryClient, type DeliveryClient } from '@vaultroom/shared/client';
import { generateIdentityKeyPair } from '@vaultroom/shared/crypto';
import sodium from 'libsodium-wrappers';
import { afterAll, describe, expect, it } from 'vitest';
import { ApiClient } from './apiClient.js';
import { DeviceSocket, signUp } from './deviceSocket.js';
import { nodeClock, nodeSocket } from './nodeSocket.js';
import { startRelayProcess, type RelayProcess } from './relayProcess.js';

const MESSAGES = 240;
const KILLS = 3;
/** The second run: more messages, some near the frame limit, to two devices of Bob's. */
const HEAVY_MESSAGES = 1000;
const HEAVY_KILLS = 4;
/** Bob's laptop fails to store the first attempt of this many envelopes (a full disk, say). */
const LAPTOP_FAILURES = 600;
/** A low lag bound, so that the slow phone pushes the sender into SLOW_DOWN while it sends. */
const HEAVY_RELAY_ARGS = ['--max-device-lag', '300', '--send-rate-per-second', '100000'];

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

/** Starts the relay on a data directory and times it from spawn to a healthy answer. */
async function restart(
  dataDir: string,
  args: string[] = [],
): Promise<{ relay: RelayProcess; ms: number }> {
  const started = performance.now();
  const relay = await startRelayProcess({ dataDir, args });
  const health = await new ApiClient(relay).request('GET', '/healthz');
  if (health.status !== 200) throw new Error(`unhealthy after restart: ${String(health.status)}`);
  return { relay, ms: performance.now() - started };
}

/** What every delivery client of these tests shares: quick retries, a relay that moves port. */
const clientOptions = (requestTimeoutMs: number) => ({
  url: 'wss://vaultroom.local/ws',
  clock: nodeClock,
  random: Math.random,
  randomBytes: (length: number) => new Uint8Array(randomBytes(length)),
  backoff: { baseMs: 50, maxMs: 400 },
  requestTimeoutMs,
});

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? 0;
};

describe('a relay killed with SIGKILL while messages flow', () => {
  let relay: RelayProcess | null = null;
  let dataDir = '';
  const clients: DeliveryClient[] = [];
  const restartMs: number[] = [];

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
    const common = clientOptions(3_000);

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
      const restarted = await restart(dataDir);
      relay = restarted.relay;
      restartMs.push(restarted.ms);
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
  it('loses nothing through kills with frames near the size limit, a device that fails to store hundreds of envelopes, and an overloaded reader', async () => {
    await relay?.stop('SIGKILL');
    if (dataDir !== '') fs.rmSync(dataDir, { recursive: true, force: true });
    relay = await startRelayProcess({ args: HEAVY_RELAY_ARGS });
    dataDir = relay.dataDir;
    const ca = relay.caPem();
    const alice = await signUp(relay, relay.adminInvite() ?? '', 'alice');
    const invite = await alice.request('POST', '/api/invites', {
      role: 'member',
      maxUses: 1,
      expiresInHours: 1,
    });
    const bob: ApiClient = await signUp(relay, String(invite.body['link']), 'bob');
    const aliceDevice = await registerDevice(relay, alice.cookie, 'alice');
    const phone = await registerDevice(relay, bob.cookie, 'bob phone');
    const laptop = await registerDevice(relay, bob.cookie, 'bob laptop');

    let port = relay.httpsPort;
    const common = clientOptions(5_000);
    const sentToSender = new Set<string>();
    const refusals = new Map<string, number>();
    const sender = createDeliveryClient({
      ...common,
      connect: nodeSocket(() => ({ port, ca, cookie: alice.cookie })),
      device: aliceDevice,
      onEnvelope: () => Promise.resolve(),
    });
    sender.subscribeSends((update) => {
      if (update.state === 'sent') sentToSender.add(key(update.msg));
      if (update.state === 'queued' && update.code !== undefined)
        refusals.set(update.code, (refusals.get(update.code) ?? 0) + 1);
    });
    // Bob's phone stores slowly (a millisecond or more per envelope): the sender outruns it.
    const onPhone = new Set<string>();
    const phoneClient = createDeliveryClient({
      ...common,
      connect: nodeSocket(() => ({ port, ca, cookie: bob.cookie })),
      device: phone,
      onEnvelope: async (envelope) => {
        await pause(1);
        onPhone.add(key(envelope.msg));
      },
    });
    // Bob's laptop fails to store the first attempt of its first 600 envelopes: the relay must
    // keep pushing the rest on the same connection and redeliver those on the next.
    const failedOnce = new Set<string>();
    const onLaptop = new Set<string>();
    const laptopClient = createDeliveryClient({
      ...common,
      connect: nodeSocket(() => ({ port, ca, cookie: bob.cookie })),
      device: laptop,
      onEnvelope: (envelope) => {
        const id = key(envelope.msg);
        if (failedOnce.size < LAPTOP_FAILURES && !failedOnce.has(id)) {
          failedOnce.add(id);
          return Promise.reject(new Error('could not store'));
        }
        onLaptop.add(id);
        return Promise.resolve();
      },
    });
    clients.push(sender, phoneClient, laptopClient);

    // Sizes: mostly small, every fifth 8 KiB, every 25th 60 KiB, so drains after each restart
    // carry backlogs of several frames near the 512 KiB limit.
    const generated = new Set<string>();
    const sending = (async () => {
      for (let i = 0; i < HEAVY_MESSAGES; i++) {
        const size = i % 25 === 0 ? 60 * 1024 : i % 5 === 0 ? 8 * 1024 : 200;
        const body = new Uint8Array(randomBytes(size));
        const msg = await sender.send([
          { device: phone, body },
          { device: laptop, body },
        ]);
        generated.add(key(msg));
        if (i % 50 === 0) await pause(5);
      }
    })();

    for (let kill = 0; kill < HEAVY_KILLS; kill++) {
      await pause(400 + Math.floor(Math.random() * 500));
      if (kill === HEAVY_KILLS - 1) {
        // The last kill comes once the relay holds every send and the laptop has failed all
        // 600 first tries: its next connection is the one that must bring those back.
        await sending;
        await until(() => sentToSender.size === HEAVY_MESSAGES, 120_000, 'every send acked');
        await until(() => failedOnce.size === LAPTOP_FAILURES, 120_000, 'the laptop to fail 600');
      }
      await relay.stop('SIGKILL');
      const restarted = await restart(dataDir, HEAVY_RELAY_ARGS);
      relay = restarted.relay;
      restartMs.push(restarted.ms);
      port = relay.httpsPort;
    }
    await sending;
    await until(() => sentToSender.size === HEAVY_MESSAGES, 120_000, 'every send to be acked');
    const all = (seen: Set<string>) => () => [...generated].every((msg) => seen.has(msg));
    await until(all(onPhone), 120_000, 'every envelope on the phone');
    await until(all(onLaptop), 120_000, 'every envelope on the laptop');

    const lostOn = (seen: Set<string>) => [...sentToSender].filter((msg) => !seen.has(msg));
    const unexpected = [...onPhone, ...onLaptop].filter((msg) => !generated.has(msg));
    console.log(
      `crash test, heavy: ${HEAVY_KILLS} kills, ${HEAVY_MESSAGES} messages to two devices (1 in 25 ` +
        `of 60 KiB, 1 in 5 of 8 KiB), ${failedOnce.size} failed once on the laptop, sender ` +
        `refusals ${JSON.stringify(Object.fromEntries(refusals))}; lost=${lostOn(onPhone).length + lostOn(onLaptop).length} ` +
        `unexpected=${unexpected.length}`,
    );
    console.log(
      `crash test: restart to healthy over ${restartMs.length} restarts: ` +
        `p50 ${percentile(restartMs, 50).toFixed(0)} ms, max ${Math.max(...restartMs).toFixed(0)} ms`,
    );
    expect(failedOnce.size).toBe(LAPTOP_FAILURES);
    expect(refusals.get('SLOW_DOWN') ?? 0).toBeGreaterThan(0);
    expect(lostOn(onPhone)).toEqual([]);
    expect(lostOn(onLaptop)).toEqual([]);
    expect(unexpected).toEqual([]);
  }, 300_000);
});
