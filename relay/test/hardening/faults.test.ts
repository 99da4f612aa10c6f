import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { generateIdentityKeyPair } from '@vaultroom/shared/crypto';
import type { ServerFrame } from '@vaultroom/shared/protocol';
import Database from 'better-sqlite3';
import sodium from 'libsodium-wrappers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiClient } from '../apiClient.js';
import { DeviceSocket, signUp } from '../deviceSocket.js';
import { makeDataDir, runCli, startRelayProcess, type RelayProcess } from '../relayProcess.js';
import { minimalPwa } from './minimalPwa.js';
import { startTmpfsRelay, type TmpfsRelay } from './tmpfsRelay.js';

/*
 * Faults from below: a full disk, a database another process holds locked, a damaged write-ahead
 * log and unusable certificate files. Each must end in a coded refusal or one clear line for the
 * operator, never an ack for something not stored, and a full disk must heal by itself.
 */

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

/** Registers a device with a real identity key and returns its id. */
async function registerDevice(socket: DeviceSocket, name: string): Promise<string> {
  const identity = generateIdentityKeyPair(sodium);
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
  if (reply.t !== 'device-registered') throw new Error(`register-device: ${JSON.stringify(reply)}`);
  return reply.device;
}

/** Two accounts: Alice online with a device; Bob's device registered, then offline. */
async function twoUsers(relay: RelayProcess) {
  const alice = await signUp(relay, relay.adminInvite() ?? '', 'alice');
  const invite = await alice.request('POST', '/api/invites', {
    role: 'member',
    maxUses: 1,
    expiresInHours: 1,
  });
  const bob = await signUp(relay, String(invite.body['link']), 'bob');
  const sender = await DeviceSocket.open(relay, alice.cookie);
  await sender.hello(null);
  await registerDevice(sender, 'Alice laptop');
  const bobSocket = await DeviceSocket.open(relay, bob.cookie);
  await bobSocket.hello(null);
  const bobDevice = await registerDevice(bobSocket, 'Bob phone');
  bobSocket.close();
  await bobSocket.closed;
  return { alice, bob, sender, bobDevice };
}

function send(socket: DeviceSocket, device: string, bodyBytes: number) {
  const msg = new Uint8Array(randomBytes(16));
  return {
    msg: hex(msg),
    reply: socket.request({
      t: 'send',
      id: socket.id(),
      msg,
      to: [{ device, body: new Uint8Array(randomBytes(bodyBytes)) }],
    }),
  };
}

/** Connects as Bob's device and acks everything until the queue is empty; the message ids seen. */
async function drain(relay: RelayProcess, bob: ApiClient, device: string): Promise<Set<string>> {
  const socket = await DeviceSocket.open(relay, bob.cookie);
  const seen = new Set<string>();
  socket.socket.on('message', () => {
    const ids: string[] = [];
    for (const frame of socket.frames.splice(0)) {
      if (frame.t !== 'deliver') continue;
      for (const envelope of frame.envelopes) {
        seen.add(hex(envelope.msg));
        ids.push(envelope.id);
      }
    }
    if (ids.length > 0) socket.send({ t: 'ack', envelopes: ids });
  });
  const welcome = await socket.hello(device);
  expect(welcome.t).toBe('welcome');
  let quiet = 0;
  let last = -1;
  while (quiet < 10) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    quiet = seen.size === last ? quiet + 1 : 0;
    last = seen.size;
  }
  socket.close();
  return seen;
}

describe('a full disk', () => {
  let relay: TmpfsRelay;
  let pwaDir: string;

  beforeAll(async () => {
    await sodium.ready;
    pwaDir = minimalPwa();
    relay = await startTmpfsRelay(24, ['--pwa-dir', pwaDir, '--send-rate-per-second', '100000']);
  });

  afterAll(async () => {
    await relay.stop();
    fs.rmSync(pwaDir, { recursive: true, force: true });
  });

  it('refuses sends with STORAGE_FULL, acks nothing it did not store, and heals when space returns', async () => {
    const { alice, bob, sender, bobDevice } = await twoUsers(relay);
    const before = send(sender, bobDevice, 1024);
    expect((await before.reply).t).toBe('sent');
    const acked = new Set([before.msg]);
    const refused = new Set<string>();

    // Fill the tmpfs to the last byte.
    const filler = path.join(relay.visibleDataDir, 'filler');
    const fd = fs.openSync(filler, 'w');
    for (const chunk of [1024 * 1024, 64 * 1024, 4096, 512]) {
      try {
        for (;;) fs.writeSync(fd, Buffer.alloc(chunk));
      } catch (error) {
        expect((error as NodeJS.ErrnoException).code).toBe('ENOSPC');
      }
    }
    fs.closeSync(fd);

    // Sends go on until the database can take no more: SQLite may still have room inside its
    // files, so the first refusals come when those fill up.
    const bodyBytes = 16 * 1024;
    for (let batch = 0; batch < 100 && refused.size < 20; batch++) {
      const sends = Array.from({ length: 20 }, () => send(sender, bobDevice, bodyBytes));
      for (const { msg, reply } of sends) {
        const frame: ServerFrame = await reply;
        if (frame.t === 'sent') acked.add(msg);
        else if (frame.t === 'error' && frame.code === 'STORAGE_FULL') refused.add(msg);
        else throw new Error(`unexpected reply ${JSON.stringify(frame)}`);
      }
    }
    expect(refused.size).toBeGreaterThanOrEqual(20);
    // The API says the same, with a code and a time to retry, not an internal error.
    const invite = await alice.request('POST', '/api/invites', {
      role: 'member',
      maxUses: 1,
      expiresInHours: 1,
    });
    const errors = relay.logs.filter((record) => Number(record['level']) >= 50);
    expect([201, 503], JSON.stringify(errors.slice(-3))).toContain(invite.status);
    if (invite.status === 503) {
      expect(invite.body.error?.code).toBe('UNAVAILABLE');
      expect(invite.headers['retry-after']).toBe('5');
    }
    const health = await alice.request('GET', '/healthz');
    expect(health.status).toBe(200);

    // Space returns: the very next sends are stored, with no restart.
    fs.rmSync(filler);
    const freed = Date.now();
    let recoveredMs = -1;
    while (Date.now() - freed < 5000) {
      const attempt = send(sender, bobDevice, bodyBytes);
      const frame = await attempt.reply;
      if (frame.t === 'sent') {
        acked.add(attempt.msg);
        recoveredMs = Date.now() - freed;
        break;
      }
      refused.add(attempt.msg);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    for (let i = 0; i < 20; i++) {
      const after = send(sender, bobDevice, 1024);
      expect((await after.reply).t).toBe('sent');
      acked.add(after.msg);
    }

    // Bob reads his mailbox: every acked send is there, and no refused one.
    const delivered = await drain(relay, bob, bobDevice);
    const lost = [...acked].filter((msg) => !delivered.has(msg));
    const phantoms = [...refused].filter((msg) => delivered.has(msg));
    console.log(
      `disk full (24 MiB tmpfs): ${acked.size} sends acked, ${refused.size} refused with ` +
        `STORAGE_FULL; acked but lost ${lost.length} (bound 0), refused but delivered ` +
        `${phantoms.length} (bound 0); sends stored again ${recoveredMs} ms after space ` +
        `returned (bound 5000 ms), no restart; API during the fault: ${invite.status}`,
    );
    expect(recoveredMs).toBeGreaterThanOrEqual(0);
    expect(lost).toEqual([]);
    expect(phantoms).toEqual([]);
    expect(relay.child.exitCode).toBeNull();
    sender.close();
  }, 90_000);
});

describe('a database held locked by another process', () => {
  it('keeps serving and delivering between online devices through a 10 s lock, refuses stored writes with a code, and heals', async () => {
    await sodium.ready;
    const pwaDir = minimalPwa();
    const relay = await startRelayProcess({
      args: ['--pwa-dir', pwaDir, '--send-rate-per-second', '100000'],
    });
    try {
      const { alice, bob, sender, bobDevice } = await twoUsers(relay);
      // Bob's laptop stays online and acks what it gets; his phone (bobDevice) is offline.
      const laptop = await DeviceSocket.open(relay, bob.cookie);
      await laptop.hello(null);
      const laptopDevice = await registerDevice(laptop, 'Bob laptop');
      laptop.socket.on('message', () => {
        const ids = laptop.frames
          .splice(0)
          .flatMap((frame) => (frame.t === 'deliver' ? frame.envelopes.map((e) => e.id) : []));
        if (ids.length > 0) laptop.send({ t: 'ack', envelopes: ids });
      });

      const locker = new Database(path.join(relay.dataDir, 'relay.db'), { timeout: 1000 });
      locker.prepare('BEGIN IMMEDIATE').run();
      const started = Date.now();
      // Writes that must reach the disk wait the lock out, then are refused with a code.
      const stored = send(sender, bobDevice, 512);
      const invitePromise = alice.request('POST', '/api/invites', {
        role: 'member',
        maxUses: 1,
        expiresInHours: 1,
      });
      const storedReply = stored.reply.then((reply) => ({ reply, ms: Date.now() - started }));
      const inviteReply = invitePromise.then((invite) => ({ invite, ms: Date.now() - started }));

      // Meanwhile the relay answers, and online devices keep talking: an envelope its recipient
      // acks before it would be committed never needs the disk.
      const health: number[] = [];
      const online: number[] = [];
      while (Date.now() - started < 10_000) {
        const healthStarted = performance.now();
        const healthz = await alice.request('GET', '/healthz');
        health.push(performance.now() - healthStarted);
        expect(healthz.status).toBe(200);
        const sendStarted = performance.now();
        expect((await send(sender, laptopDevice, 512).reply).t).toBe('sent');
        online.push(performance.now() - sendStarted);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const { reply, ms: sendMs } = await storedReply;
      const { invite, ms: apiMs } = await inviteReply;
      locker.prepare('COMMIT').run();
      locker.close();
      const readStarted = Date.now();
      const me = await alice.request('GET', '/api/me');
      const readMs = Date.now() - readStarted;
      const max = (values: number[]) => Math.max(...values);
      console.log(
        `database locked by another process for 10 s: /healthz answered ${health.length} times, ` +
          `the slowest in ${max(health).toFixed(1)} ms; ${online.length} sends between online ` +
          `devices, the slowest \`sent\` in ${max(online).toFixed(1)} ms (bound 500 ms); a send to ` +
          `an offline device refused with ${reply.t === 'error' ? reply.code : reply.t} after ` +
          `${sendMs} ms, an API write answered ${invite.status} ${invite.body.error?.code ?? ''} ` +
          `after ${apiMs} ms; a read ${readMs} ms after the lock went (bound 1000 ms)`,
      );
      // A relay whose loop waited on the lock would answer after seconds (the busy timeout); the
      // bound leaves room for a loaded CI machine's scheduling, not for any wait on the lock.
      expect(max(health)).toBeLessThan(500);
      expect(max(online)).toBeLessThan(500);
      expect(reply).toMatchObject({ t: 'error', code: 'STORAGE_BUSY' });
      expect(sendMs).toBeLessThan(8_000);
      expect(invite.status).toBe(503);
      expect(invite.body.error?.code).toBe('UNAVAILABLE');
      expect(invite.headers['retry-after']).toBe('5');
      expect(apiMs).toBeLessThan(8_000);
      expect(me.status).toBe(200);
      expect(readMs).toBeLessThan(1000);

      const after = send(sender, bobDevice, 512);
      expect((await after.reply).t).toBe('sent');
      const again = await alice.request('POST', '/api/invites', {
        role: 'member',
        maxUses: 1,
        expiresInHours: 1,
      });
      expect(again.status).toBe(201);
      sender.close();
      laptop.close();
    } finally {
      await relay.stop();
      fs.rmSync(relay.dataDir, { recursive: true, force: true });
      fs.rmSync(pwaDir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('a damaged write-ahead log on start', () => {
  it('stops with one clear line instead of silently dropping committed data', async () => {
    const pwaDir = minimalPwa();
    const relay = await startRelayProcess({ args: ['--pwa-dir', pwaDir] });
    const dataDir = relay.dataDir;
    try {
      const alice = await signUp(relay, relay.adminInvite() ?? '', 'alice');
      for (let i = 0; i < 5; i++) {
        await alice.request('POST', '/api/invites', {
          role: 'member',
          maxUses: 1,
          expiresInHours: 1,
        });
      }
      await relay.stop('SIGKILL'); // the log keeps every commit since the last checkpoint
      const wal = path.join(dataDir, 'relay.db-wal');
      const bytes = fs.readFileSync(wal);
      const pageSize = bytes.readUInt32BE(8);
      const frames = Math.floor((bytes.length - 32) / (24 + pageSize));
      expect(frames).toBeGreaterThan(4);
      const at = 32 + (24 + pageSize) + 24 + 100; // inside the second frame's page
      bytes.writeUInt8(bytes.readUInt8(at) ^ 0xff, at);
      fs.writeFileSync(wal, bytes);

      const args = ['serve', '--port', '0', '--http-port', '0', '--data-dir', dataDir];
      const refused = await runCli([...args, '--pwa-dir', pwaDir]);
      console.log(
        `damaged database log on start: exit ${refused.code}, "${refused.stderr.trim()}"`,
      );
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/relay\.db-wal is damaged: frame 2 of \d+ is damaged/);
      expect(refused.stderr.trim().split('\n')).toHaveLength(1);
      // Nothing was written: the operator still has the log to restore or inspect.
      expect(fs.readFileSync(wal).equals(bytes)).toBe(true);
    } finally {
      if (relay.child.exitCode === null && relay.child.signalCode === null) {
        await relay.stop('SIGKILL');
      }
      fs.rmSync(dataDir, { recursive: true, force: true });
      fs.rmSync(pwaDir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('certificate files the relay cannot use', () => {
  let pwaDir: string;

  beforeAll(() => {
    pwaDir = minimalPwa();
  });

  afterAll(() => {
    fs.rmSync(pwaDir, { recursive: true, force: true });
  });

  it('stops with one clear line naming the file', async () => {
    const dir = makeDataDir();
    try {
      fs.writeFileSync(path.join(dir, 'garbage.pem'), 'not a certificate\n');
      fs.mkdirSync(path.join(dir, 'folder.pem'));
      const cases: [string, string[], RegExp][] = [
        [
          'a missing certificate',
          ['--tls-cert', path.join(dir, 'missing.pem'), '--tls-key', path.join(dir, 'garbage.pem')],
          /cannot read the TLS certificate at .*missing\.pem/,
        ],
        [
          'a missing key',
          ['--tls-cert', path.join(dir, 'garbage.pem'), '--tls-key', path.join(dir, 'nokey.pem')],
          /cannot read the TLS private key at .*nokey\.pem/,
        ],
        [
          'a certificate that is not PEM',
          ['--tls-cert', path.join(dir, 'garbage.pem'), '--tls-key', path.join(dir, 'garbage.pem')],
          /garbage\.pem or its key is not valid PEM/,
        ],
        [
          'a directory where the certificate should be',
          ['--tls-cert', path.join(dir, 'folder.pem'), '--tls-key', path.join(dir, 'folder.pem')],
          /folder\.pem or its key is not valid PEM/,
        ],
      ];
      const results = await Promise.all(
        cases.map(([, args], index) =>
          runCli([
            'serve',
            '--port',
            '0',
            '--http-port',
            '0',
            '--data-dir',
            path.join(dir, `data-${index}`),
            '--pwa-dir',
            pwaDir,
            ...args,
          ]),
        ),
      );
      for (const [index, [what, , expected]] of cases.entries()) {
        const result = results[index];
        console.log(
          `unusable TLS files, ${what}: exit ${result?.code}, "${result?.stderr.trim()}"`,
        );
        expect(result?.code, what).toBe(1);
        expect(result?.stderr, what).toMatch(expected);
        expect(result?.stderr.trim().split('\n'), what).toHaveLength(1);
      }

      // The generated CA's key damaged: the relay cannot issue a server certificate with it.
      const generated = path.join(dir, 'generated');
      expect((await runCli(['certs', '--data-dir', generated])).code).toBe(0);
      fs.writeFileSync(path.join(generated, 'tls', 'ca-key.pem'), 'damaged\n');
      fs.rmSync(path.join(generated, 'tls', 'server.pem'));
      const damaged = await runCli([
        'serve',
        '--port',
        '0',
        '--http-port',
        '0',
        '--data-dir',
        generated,
        '--pwa-dir',
        pwaDir,
      ]);
      console.log(
        `unusable TLS files, a damaged CA key: exit ${damaged.code}, "${damaged.stderr.trim()}"`,
      );
      expect(damaged.code).toBe(1);
      expect(damaged.stderr).toMatch(/ca-key\.pem is not an unencrypted PEM private key/);
      expect(damaged.stderr.trim().split('\n')).toHaveLength(1);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
