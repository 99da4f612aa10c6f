import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import {
  LIMITS,
  PROTOCOL_VERSION,
  encodeFrame,
  type ProtocolErrorCode,
  type ServerFrame,
} from '@vaultroom/shared/protocol';
import { describe, expect, it } from 'vitest';
import type { ApiClient } from './apiClient.js';
import { DeviceSocket, signUp } from './deviceSocket.js';
import { connect, enrol } from './enrolDevice.js';
import { startRelayProcess, type RelayProcess } from './relayProcess.js';

type Deliver = Extract<ServerFrame, { t: 'deliver' }>;

/** A relay with `names` signed up (the first is its administrator), each with a device. */
async function people(
  names: readonly string[],
  args: readonly string[],
): Promise<{ relay: RelayProcess; clients: ApiClient[]; devices: string[] }> {
  const relay = await startRelayProcess({ args: ['--send-rate-per-second', '100000', ...args] });
  const clients: ApiClient[] = [];
  const devices: string[] = [];
  for (const name of names) {
    const admin = clients[0];
    let link = relay.adminInvite() ?? '';
    if (admin !== undefined) {
      const invite = await admin.request('POST', '/api/invites', {
        role: 'member',
        maxUses: 1,
        expiresInHours: 1,
      });
      link = String(invite.body['link']);
    }
    const client = await signUp(relay, link, name);
    const socket = await connect(relay, client, null);
    devices.push((await enrol(socket, name, 1)).id);
    socket.close();
    await socket.closed;
    clients.push(client);
  }
  return { relay, clients, devices };
}

async function stop(relay: RelayProcess): Promise<void> {
  await relay.stop();
  fs.rmSync(relay.dataDir, { recursive: true, force: true });
}

const send = (socket: DeviceSocket, device: string, body: Uint8Array<ArrayBuffer>) =>
  socket.request({
    t: 'send',
    id: socket.id(),
    msg: new Uint8Array(randomBytes(16)),
    to: [{ device, body }],
  });

const outcome = (reply: ServerFrame): string => (reply.t === 'error' ? reply.code : reply.t);

const storedEnvelopes = (relay: RelayProcess): number => {
  const db = new Database(path.join(relay.dataDir, 'relay.db'), { readonly: true });
  try {
    return db.prepare('SELECT COUNT(*) AS n FROM envelopes').pluck().get() as number;
  } finally {
    db.close();
  }
};

async function until(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition() && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

type Envelope = Deliver['envelopes'][number];

/**
 * Hands each `deliver` frame's envelopes to `handle` as they arrive and acks the ids it returns
 * (all of them by default); a handle that returns a promise is awaited first, frame by frame.
 */
function onDeliver(
  socket: DeviceSocket,
  handle: (envelopes: Envelope[]) => string[] | undefined | Promise<string[] | undefined>,
): void {
  let queue = Promise.resolve();
  socket.socket.on('message', () => {
    for (const frame of socket.frames.splice(0)) {
      if (frame.t !== 'deliver') continue;
      queue = queue.then(async () => {
        const acks = (await handle(frame.envelopes)) ?? frame.envelopes.map((e) => e.id);
        if (acks.length > 0) socket.send({ t: 'ack', envelopes: acks });
      });
    }
  });
}

/** Every frame size a socket receives, read before the test's decoder sees it. */
function frameSizes(socket: DeviceSocket): number[] {
  const sizes: number[] = [];
  socket.socket.prependListener('message', (data: Buffer) => sizes.push(data.byteLength));
  return sizes;
}

describe('delivery flow on a real relay', () => {
  it('delivers a backlog larger than one frame: 100 × 8 KiB, the largest envelope, and small ones', async () => {
    const { relay, clients, devices } = await people(['alice', 'bob'], []);
    const [alice, bob] = clients as [ApiClient, ApiClient];
    const bobDevice = devices[1] ?? '';
    try {
      const sender = await connect(relay, alice, devices[0] ?? '');
      const bodies = [
        ...Array.from({ length: 100 }, () => 8 * 1024),
        LIMITS.maxEnvelopeBytes,
        ...Array.from({ length: 50 }, () => 16),
      ];
      for (const size of bodies) {
        expect(outcome(await send(sender, bobDevice, new Uint8Array(size).fill(7)))).toBe('sent');
      }
      // One byte more than the largest envelope never gets in, so it can never block a drain.
      const tooLarge = await send(sender, bobDevice, new Uint8Array(LIMITS.maxEnvelopeBytes + 1));
      expect(tooLarge.t).toBe('error');

      const reader = await DeviceSocket.open(relay, bob.cookie);
      const sizes = frameSizes(reader);
      const received: number[] = [];
      onDeliver(reader, (envelopes) => {
        received.push(...envelopes.map((envelope) => envelope.body.byteLength));
        return undefined;
      });
      reader.send({ t: 'hello', v: PROTOCOL_VERSION, device: bobDevice });
      await until(() => received.length >= bodies.length, 20_000);
      console.log(
        `backlog: ${bodies.length} envelopes (${Math.round(bodies.reduce((a, b) => a + b, 0) / 1024)} KiB) ` +
          `delivered in ${sizes.length} frames, the largest ${Math.max(...sizes)} bytes (limit ${LIMITS.maxFrameBytes})`,
      );
      expect(received).toEqual(bodies);
      expect(Math.max(...sizes)).toBeLessThanOrEqual(LIMITS.maxFrameBytes);
      await until(() => storedEnvelopes(relay) === 0, 5_000);
      expect(storedEnvelopes(relay)).toBe(0);
      sender.close();
      reader.close();
    } finally {
      await stop(relay);
    }
  }, 60_000);

  it('keeps pushing on one connection while 600 envelopes stay unacked, then takes their acks', async () => {
    const { relay, clients, devices } = await people(['alice', 'bob'], []);
    const [alice, bob] = clients as [ApiClient, ApiClient];
    const bobDevice = devices[1] ?? '';
    try {
      const sender = await connect(relay, alice, devices[0] ?? '');
      // A backlog for Bob's offline device, drained in frames on his next connection.
      const total = 4000;
      for (let batch = 0; batch < total / 200; batch++) {
        const replies = await Promise.all(
          Array.from({ length: 200 }, () => send(sender, bobDevice, new Uint8Array(64))),
        );
        expect(replies.map(outcome).every((reply) => reply === 'sent')).toBe(true);
      }
      const reader = await DeviceSocket.open(relay, bob.cookie);
      const held: string[] = [];
      const seen = new Set<string>();
      onDeliver(reader, (envelopes) => {
        const acks: string[] = [];
        for (const envelope of envelopes) {
          seen.add(envelope.id);
          // A device that fails to store its first 600 envelopes (and acks all the others).
          if (held.length < 600) held.push(envelope.id);
          else acks.push(envelope.id);
        }
        return acks;
      });
      reader.send({ t: 'hello', v: PROTOCOL_VERSION, device: bobDevice });
      await until(() => seen.size >= total, 30_000);
      console.log(`600 unacked: ${seen.size} of ${total} envelopes pushed on the same connection`);
      expect(seen.size).toBe(total);
      // The held ones are stored still; acked on the same connection, they leave the mailbox.
      await until(() => storedEnvelopes(relay) <= 600, 5_000);
      expect(storedEnvelopes(relay)).toBe(600);
      for (let start = 0; start < held.length; start += 100) {
        reader.send({ t: 'ack', envelopes: held.slice(start, start + 100) });
      }
      await until(() => storedEnvelopes(relay) === 0, 5_000);
      expect(storedEnvelopes(relay)).toBe(0);
      sender.close();
      reader.close();
    } finally {
      await stop(relay);
    }
  }, 90_000);

  it('bounds how far a slow reader falls behind a fast sender, and loses nothing', async () => {
    const maxLag = 200;
    const { relay, clients, devices } = await people(
      ['alice', 'bob'],
      ['--max-device-lag', String(maxLag)],
    );
    const [alice, bob] = clients as [ApiClient, ApiClient];
    const bobDevice = devices[1] ?? '';
    try {
      const sender = await connect(relay, alice, devices[0] ?? '');
      const reader = await connect(relay, bob, bobDevice);
      // The reader stores one frame at a time and takes a millisecond or more over each.
      const seen = new Map<string, number>();
      let readerAcked = 0;
      onDeliver(reader, async (envelopes) => {
        await new Promise((resolve) => setTimeout(resolve, 1));
        for (const envelope of envelopes) {
          const key = Buffer.from(envelope.msg).toString('hex');
          seen.set(key, (seen.get(key) ?? 0) + 1);
        }
        readerAcked += envelopes.length;
        return undefined;
      });
      // The sender keeps 100 sends in flight and retries a refusal after a short wait, as the
      // outbox does, with the same message id.
      const total = 2000;
      let next = 0;
      let sent = 0;
      let maxBehind = 0;
      const refusals = new Map<string, number>();
      const sendOne = async (): Promise<void> => {
        const msg = new Uint8Array(randomBytes(16));
        for (;;) {
          const reply = await sender.request({
            t: 'send',
            id: sender.id(),
            msg,
            to: [{ device: bobDevice, body: new Uint8Array(256) }],
          });
          if (reply.t === 'sent') break;
          refusals.set(outcome(reply), (refusals.get(outcome(reply)) ?? 0) + 1);
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        sent += 1;
        maxBehind = Math.max(maxBehind, sent - readerAcked);
      };
      const worker = async (): Promise<void> => {
        while (next < total) {
          next += 1;
          await sendOne();
        }
      };
      await Promise.all(Array.from({ length: 100 }, worker));
      await until(() => seen.size >= total, 60_000);
      console.log(
        `slow reader: ${total} envelopes, at most ${maxBehind} acked to the sender and not yet ` +
          `stored by the reader (bound ${maxLag}); refusals ${JSON.stringify(Object.fromEntries(refusals))}`,
      );
      expect(seen.size).toBe(total);
      expect([...seen.values()].every((count) => count === 1)).toBe(true);
      expect(maxBehind).toBeLessThanOrEqual(maxLag);
      expect(refusals.get('SLOW_DOWN') ?? 0).toBeGreaterThan(0);
      sender.close();
      reader.close();
    } finally {
      await stop(relay);
    }
  }, 120_000);

  it('refuses sends past a mailbox or sender quota with QUOTA_EXCEEDED, and loses nothing acked', async () => {
    const { relay, clients, devices } = await people(
      ['alice', 'bob', 'carol'],
      ['--mailbox-quota-mb', '2', '--sender-quota-mb', '3'],
    );
    const [alice, bob, carol] = clients as [ApiClient, ApiClient, ApiClient];
    const [aliceDevice, bobDevice, carolDevice] = devices as [string, string, string];
    const body = new Uint8Array(64 * 1024);
    const fill = async (socket: DeviceSocket, device: string, limit: number) => {
      const outcomes: string[] = [];
      for (let i = 0; i < limit; i++) {
        const reply = await send(socket, device, body);
        outcomes.push(outcome(reply));
        if (reply.t === 'error') break;
      }
      return outcomes;
    };
    try {
      const sender = await connect(relay, alice, aliceDevice);
      // Bob's device is offline: his mailbox takes 2 MiB, 32 envelopes of 64 KiB.
      const toBob = await fill(sender, bobDevice, 40);
      expect(toBob.filter((code) => code === 'sent')).toHaveLength(32);
      expect(toBob.at(-1)).toBe<ProtocolErrorCode>('QUOTA_EXCEEDED');
      // Alice has 1 MiB of her 3 left: 16 more to Carol's offline device, then her own quota.
      const toCarol = await fill(sender, carolDevice, 40);
      expect(toCarol.filter((code) => code === 'sent')).toHaveLength(16);
      expect(toCarol.at(-1)).toBe<ProtocolErrorCode>('QUOTA_EXCEEDED');
      console.log(
        `quotas: ${toBob.length - 1} envelopes of 64 KiB to an offline mailbox of 2 MiB, then ` +
          `${toBob.at(-1) ?? ''}; ${toCarol.length - 1} more, then the sender's 3 MiB: ${toCarol.at(-1) ?? ''}`,
      );
      // Other accounts keep sending (to anyone whose mailbox has room).
      const carolSocket = await connect(relay, carol, carolDevice);
      expect(outcome(await send(carolSocket, aliceDevice, body))).toBe('sent');

      // Bob connects: everything acked to Alice arrives, and his mailbox has room again.
      const reader = await connect(relay, bob, bobDevice);
      const received: string[] = [];
      onDeliver(reader, (envelopes) => {
        received.push(...envelopes.map((envelope) => envelope.id));
        return undefined;
      });
      await until(() => received.length >= 32, 10_000);
      expect(received).toHaveLength(32);
      await until(() => storedEnvelopes(relay) === 16, 5_000);
      expect(outcome(await send(sender, carolDevice, body))).toBe('sent');
      sender.close();
      reader.close();
      carolSocket.close();
    } finally {
      await stop(relay);
    }
  }, 90_000);

  it('closes a socket flooding acks of nothing, while another user keeps a quick round trip', async () => {
    const { relay, clients, devices } = await people(['alice', 'mallory'], []);
    const [alice, mallory] = clients as [ApiClient, ApiClient];
    try {
      const user = await connect(relay, alice, devices[0] ?? '');
      const flooder = await connect(relay, mallory, devices[1] ?? '');
      const roundTrips: number[] = [];
      const flood = { on: true, closedCode: null as number | null };
      const measuring = (async () => {
        while (flood.on) {
          const started = performance.now();
          expect((await user.request({ t: 'ping', id: user.id() })).t).toBe('done');
          roundTrips.push(performance.now() - started);
        }
      })();
      const junk = encodeFrame({
        t: 'ack',
        envelopes: Array.from({ length: LIMITS.maxAckIds }, () =>
          randomBytes(16).toString('base64url'),
        ),
      });
      const started = Date.now();
      let frames = 0;
      void flooder.closed.then((code) => (flood.closedCode = code));
      while (flood.closedCode === null && frames < 5000 && Date.now() - started < 20_000) {
        for (let i = 0; i < 20 && flooder.socket.readyState === flooder.socket.OPEN; i++) {
          flooder.raw(junk);
          frames += 1;
        }
        await new Promise((resolve) => setImmediate(resolve));
      }
      await Promise.race([flooder.closed, new Promise((resolve) => setTimeout(resolve, 5_000))]);
      await new Promise((resolve) => setTimeout(resolve, 500));
      flood.on = false;
      await measuring;
      const sorted = [...roundTrips].sort((a, b) => a - b);
      const at = (p: number) =>
        sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? 0;
      console.log(
        `ack flood: ${frames} frames of ${LIMITS.maxAckIds} made-up ids, flooder closed with ` +
          `${String(flood.closedCode)} after ${Date.now() - started} ms; the other user's round trip ` +
          `p50 ${at(50).toFixed(1)} ms, p99 ${at(99).toFixed(1)} ms over ${sorted.length} pings`,
      );
      expect(flood.closedCode).toBe(1008);
      expect(at(50)).toBeLessThan(200);
      expect(at(99)).toBeLessThan(2000);
      user.close();
    } finally {
      await stop(relay);
    }
  }, 60_000);
  it('closes a socket that keeps sending past its frame limit instead of answering each frame', async () => {
    // The default rates: 1,000 frames at once, then 500 a second, per connection.
    const { relay, clients, devices } = await people(
      ['mallory'],
      ['--send-rate-per-second', '500'],
    );
    const [mallory] = clients as [ApiClient];
    try {
      const flooder = await connect(relay, mallory, devices[0] ?? '');
      const code = flooder.closed;
      let frames = 0;
      const started = Date.now();
      while (flooder.socket.readyState === flooder.socket.OPEN && frames < 20_000) {
        for (let i = 0; i < 100; i++) flooder.send({ t: 'ping', id: (frames++ % 60_000) + 1 });
        await new Promise((resolve) => setImmediate(resolve));
      }
      const closedWith = await Promise.race([
        code,
        new Promise<null>((resolve) =>
          setTimeout(() => {
            resolve(null);
          }, 5_000),
        ),
      ]);
      const refused = flooder.frames.filter(
        (frame) => frame.t === 'error' && frame.code === 'RATE_LIMITED',
      ).length;
      console.log(
        `frame flood: ${frames} pings in ${Date.now() - started} ms, ${refused} refused with ` +
          `RATE_LIMITED, then closed with ${String(closedWith)}`,
      );
      expect(closedWith).toBe(1008);
      expect(refused).toBeGreaterThan(0);
      expect(refused).toBeLessThan(5000);
    } finally {
      await stop(relay);
    }
  }, 60_000);
});
