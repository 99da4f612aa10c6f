import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiClient } from '../apiClient.js';
import { BlobClient } from '../blobClient.js';
import { signUp, type DeviceSocket } from '../deviceSocket.js';
import { connect, enrol } from '../enrolDevice.js';
import type { RelayProcess } from '../relayProcess.js';
import { startRelayCluster, type RelayCluster } from './relayCluster.js';
import { clusterClient, hex, invite } from './clusterClients.js';

const MESSAGES = 40;

/** Acks everything delivered on the socket and counts each message id it saw. */
function receiver(socket: DeviceSocket) {
  const seen = new Map<string, number>();
  socket.socket.on('message', () => {
    const frame = socket.frames.at(-1);
    if (frame?.t !== 'deliver') return;
    const envelopes = frame.envelopes;
    for (const envelope of envelopes) {
      const key = Buffer.from(envelope.msg).toString('hex');
      seen.set(key, (seen.get(key) ?? 0) + 1);
    }
    socket.send({ t: 'ack', envelopes: envelopes.map((envelope) => envelope.id) });
  });
  return seen;
}

/** When the socket closed, with its close code, or null if it is still open after `ms`. */
function closedWithin(socket: DeviceSocket, ms: number): Promise<number | null> {
  const timeout = new Promise<null>((resolve) => {
    setTimeout(() => {
      resolve(null);
    }, ms);
  });
  return Promise.race([socket.closed, timeout]);
}

describe('three relays on one PostgreSQL and NATS', () => {
  let cluster: RelayCluster;
  let relays: RelayProcess[];
  let alice: ApiClient;

  beforeAll(async () => {
    cluster = await startRelayCluster(3);
    relays = cluster.relays;
    const first = relays[0];
    if (first === undefined) throw new Error('no relay');
    alice = await signUp(first, cluster.adminInvite(), 'alice');
  }, 120_000);

  afterAll(async () => {
    await cluster.stop();
  });

  it('delivers what Alice sends on relay 1 to both of Bob’s devices, on relays 2 and 3, once each', async () => {
    const [one, two, three] = relays as [RelayProcess, RelayProcess, RelayProcess];
    const bob = await invite(alice, one, 'bob');
    const aliceSocket = await connect(one, alice, null);
    const aliceDevice = await enrol(aliceSocket, 'Alice laptop');
    const setup = await connect(one, bob, null);
    const phone = await enrol(setup, 'Bob phone');
    setup.close();
    const setup2 = await connect(one, bob, null);
    const laptop = await enrol(setup2, 'Bob laptop');
    setup2.close();
    const sender = await connect(one, alice, aliceDevice.id);
    const onPhone = await connect(two, bob, phone.id);
    const onLaptop = await connect(three, bob, laptop.id);
    await Promise.all([onPhone, onLaptop].map((s) => s.next((f) => f.t === 'queue-empty')));
    const phoneSeen = receiver(onPhone);
    const laptopSeen = receiver(onLaptop);

    const started = performance.now();
    const sent: string[] = [];
    for (let i = 0; i < MESSAGES; i++) {
      const msg = new Uint8Array(randomBytes(16));
      sent.push(Buffer.from(msg).toString('hex'));
      const reply = await sender.request({
        t: 'send',
        id: sender.id(),
        msg,
        to: [
          { device: phone.id, body: new Uint8Array(randomBytes(200)) },
          { device: laptop.id, body: new Uint8Array(randomBytes(200)) },
        ],
      });
      expect(reply.t).toBe('sent');
    }
    const all = (seen: Map<string, number>) => sent.every((msg) => seen.has(msg));
    await expect
      .poll(() => all(phoneSeen) && all(laptopSeen), { timeout: 10_000, interval: 20 })
      .toBe(true);
    const ms = performance.now() - started;
    // Well inside the 30 s sweep: the wake-ups carried it, not the catch-up.
    expect(ms).toBeLessThan(10_000);
    // One more, after every ack: anything pushed twice would have come before it.
    const last = new Uint8Array(randomBytes(16));
    await sender.request({
      t: 'send',
      id: sender.id(),
      msg: last,
      to: [
        { device: phone.id, body: new Uint8Array(8) },
        { device: laptop.id, body: new Uint8Array(8) },
      ],
    });
    const lastKey = Buffer.from(last).toString('hex');
    await expect
      .poll(() => phoneSeen.has(lastKey) && laptopSeen.has(lastKey), { timeout: 10_000 })
      .toBe(true);
    for (const seen of [phoneSeen, laptopSeen]) {
      expect(seen.size).toBe(MESSAGES + 1);
      expect([...seen.values()].every((count) => count === 1)).toBe(true);
    }
    console.log(
      `three relays: ${MESSAGES} sends to two devices on two other relays, all delivered once in ${ms.toFixed(0)} ms`,
    );
    for (const socket of [aliceSocket, sender, onPhone, onLaptop]) socket.close();
  });

  it('closes the sockets of a session ended on relay 1 on relay 2 within a second', async () => {
    const [one, two] = relays as [RelayProcess, RelayProcess];
    const carol = await invite(alice, one, 'carol');
    const socket = await connect(two, carol, null);
    const started = performance.now();
    const signedOut = await carol.request('POST', '/api/sign-out', {});
    expect(signedOut.status).toBeLessThan(300);
    const code = await closedWithin(socket, 1000);
    console.log(
      `three relays: session ended on relay 1, socket on relay 2 closed after ${(performance.now() - started).toFixed(0)} ms`,
    );
    expect(code).toBe(1008);
  });

  it('closes on relay 3 the connection of a device revoked on relay 1 within a second', async () => {
    const [one, , three] = relays as [RelayProcess, RelayProcess, RelayProcess];
    const dave = await invite(alice, one, 'dave');
    const setup = await connect(one, dave, null);
    const phone = await enrol(setup, 'Dave phone');
    const onThree = await connect(three, dave, phone.id);
    const started = performance.now();
    const done = await setup.request({ t: 'revoke-device', id: setup.id(), device: phone.id });
    expect(done.t).toBe('done');
    const code = await closedWithin(onThree, 1000);
    console.log(
      `three relays: device revoked on relay 1, its socket on relay 3 closed after ${(performance.now() - started).toFixed(0)} ms`,
    );
    expect(code).toBe(1008);
    setup.close();
  });

  it('loses nothing acked while NATS is stopped for 10 s, and delivery resumes after', async () => {
    const [one, two] = relays as [RelayProcess, RelayProcess];
    const erin = await invite(alice, one, 'erin');
    const setup = await connect(one, alice, null);
    const aliceDevice = await enrol(setup, 'Alice phone');
    setup.close();
    const setup2 = await connect(two, erin, null);
    const erinDevice = await enrol(setup2, 'Erin phone');
    setup2.close();
    const ca = one.caPem();
    const acked = new Set<string>();
    const received = new Set<string>();
    const sender = clusterClient({
      target: () => ({ port: one.httpsPort, ca, cookie: alice.cookie }),
      device: aliceDevice.id,
    });
    sender.subscribeSends((update) => {
      if (update.state === 'sent') acked.add(hex(update.msg));
    });
    const reader = clusterClient({
      target: () => ({ port: two.httpsPort, ca, cookie: erin.cookie }),
      device: erinDevice.id,
      onMessage: (msg) => received.add(msg),
    });
    const sendSome = async (count: number) => {
      const sent: string[] = [];
      for (let i = 0; i < count; i++) {
        sent.push(
          hex(
            await sender.send([{ device: erinDevice.id, body: new Uint8Array(randomBytes(100)) }]),
          ),
        );
      }
      await expect.poll(() => sent.every((msg) => acked.has(msg)), { timeout: 10_000 }).toBe(true);
      return sent;
    };
    const before = await sendSome(20);
    await expect
      .poll(() => before.every((msg) => received.has(msg)), { timeout: 10_000 })
      .toBe(true);

    await cluster.nats.pause();
    const outageStarted = performance.now();
    // Acked by relay 1 (committed to PostgreSQL); relay 2 never hears of them.
    const during = await sendSome(20);
    const waitFor = 10_000 - (performance.now() - outageStarted);
    if (waitFor > 0) await new Promise((resolve) => setTimeout(resolve, waitFor)); // the outage itself
    await cluster.nats.resume();
    const resumed = performance.now();
    await expect
      .poll(() => during.every((msg) => received.has(msg)), { timeout: 15_000 })
      .toBe(true);
    const caughtUpMs = performance.now() - resumed;
    const after = await sendSome(20);
    await expect
      .poll(() => after.every((msg) => received.has(msg)), { timeout: 10_000 })
      .toBe(true);
    const lost = [...acked].filter((msg) => !received.has(msg));
    console.log(
      `three relays: NATS stopped 10 s; ${during.length} acked meanwhile, caught up ${caughtUpMs.toFixed(0)} ms after it came back; lost=${lost.length}`,
    );
    expect(lost).toEqual([]);
    // The catch-up on reconnecting did it, not the 30 s sweep.
    expect(caughtUpMs).toBeLessThan(10_000);
    sender.close();
    reader.close();
  }, 60_000);

  it('serves from relays 2 and 3 a file uploaded in pieces through relays 1 and 2, blobs/ being shared', async () => {
    const [one, two, three] = relays as [RelayProcess, RelayProcess, RelayProcess];
    const frank = await invite(alice, one, 'frank');
    const data = new Uint8Array(randomBytes(3 * 1024 * 1024 + 77));
    const bytes = Buffer.from(data);
    const through = (relay: RelayProcess, client: ApiClient) =>
      new BlobClient(relay, client.cookie);
    const created = await through(one, alice).create(bytes.length);
    expect(created.status).toBe(201);
    // A dropped connection resumes wherever the load balancer sends it: each piece elsewhere.
    const piece = 1024 * 1024;
    for (let offset = 0, turn = 0; offset < bytes.length; offset += piece, turn++) {
      const relay = turn % 2 === 0 ? one : two;
      const answer = await through(relay, alice).patch(
        created.id,
        offset,
        bytes.subarray(offset, offset + piece),
      );
      expect(answer.status).toBe(204);
      expect(Number(answer.headers['upload-offset'])).toBe(Math.min(offset + piece, bytes.length));
    }
    for (const relay of [two, three]) {
      const whole = await through(relay, frank).get(created.id);
      expect(whole.status).toBe(200);
      expect(whole.body.equals(bytes)).toBe(true);
      const part = await through(relay, frank).get(created.id, 'bytes=1000-1999');
      expect(part.body.equals(bytes.subarray(1000, 2000))).toBe(true);
    }
    expect((await through(three, alice).delete(created.id)).status).toBe(204);
    expect((await through(one, frank).get(created.id)).status).toBe(404);
  });
});
