import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createDeliveryClient, type DeliveryClient } from '@vaultroom/shared/client';
import { generateIdentityKeyPair } from '@vaultroom/shared/crypto';
import SQLite from 'better-sqlite3';
import sodium from 'libsodium-wrappers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeviceSocket, signUp } from './deviceSocket.js';
import { nodeClock, nodeSocket } from './nodeSocket.js';
import { runCli, startRelayProcess, type RelayProcess } from './relayProcess.js';

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const sha256 = (file: string) => createHash('sha256').update(fs.readFileSync(file)).digest('hex');

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
  if (reply.t !== 'device-registered') throw new Error(`refused: ${JSON.stringify(reply)}`);
  return reply.device;
}

/** A copy of a data directory's key material, as the runbook has operators keep it. */
function copyKeys(from: string, to: string): void {
  fs.mkdirSync(to, { recursive: true, mode: 0o700 });
  for (const folder of ['tls', 'audit']) {
    fs.cpSync(path.join(from, folder), path.join(to, folder), { recursive: true });
  }
}

describe('vaultroom backup and restore', () => {
  let relay: RelayProcess | null = null;
  let work = '';
  const clients: DeliveryClient[] = [];
  const backups: string[] = [];
  let envelopesAtBackup = 0;

  beforeAll(async () => {
    await sodium.ready;
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'vaultroom-backup-'));
    relay = await startRelayProcess({ args: ['--audit-checkpoint-seconds', '1'] });
  });

  afterAll(async () => {
    for (const client of clients) client.close();
    await relay?.stop('SIGKILL');
    if (relay !== null) fs.rmSync(relay.dataDir, { recursive: true, force: true });
    if (work !== '') fs.rmSync(work, { recursive: true, force: true });
  });

  it('backs up a running relay while messages flow and accounts change', async () => {
    if (relay === null) throw new Error('no relay');
    const live = relay;
    const alice = await signUp(live, live.adminInvite() ?? '', 'alice');
    const invite = await alice.request('POST', '/api/invites', {
      role: 'member',
      maxUses: 1,
      expiresInHours: 1,
    });
    const bob = await signUp(live, String(invite.body['link']), 'bob');
    const aliceDevice = await registerDevice(live, alice.cookie, 'alice');
    const bobDevice = await registerDevice(live, bob.cookie, 'bob');
    const ca = live.caPem();
    const common = {
      url: 'wss://vaultroom.local/ws',
      clock: nodeClock,
      random: Math.random,
      randomBytes: (length: number) => new Uint8Array(randomBytes(length)),
      backoff: { baseMs: 50, maxMs: 400 },
      requestTimeoutMs: 5000,
    };
    // Bob stays offline, so every envelope sent to him is a row in his mailbox.
    const sender = createDeliveryClient({
      ...common,
      connect: nodeSocket(() => ({ port: live.httpsPort, ca, cookie: alice.cookie })),
      device: aliceDevice,
      onEnvelope: () => Promise.resolve(),
    });
    clients.push(sender);

    // Counted when the relay acks each envelope as durable, not when it is queued.
    let sent = 0;
    sender.subscribeSends((update) => {
      if (update.state === 'sent') sent += 1;
    });
    const flow = { on: true };
    const sending = (async () => {
      while (flow.on) {
        await sender.send([{ device: bobDevice, body: new Uint8Array(randomBytes(200)) }]);
        await pause(5);
      }
    })();
    // Audit events keep arriving too: the command-line tool writes them beside the relay.
    const inviting = (async () => {
      for (let i = 0; i < 3; i++) {
        const created = await runCli(['invite', 'create', '--data-dir', live.dataDir]);
        expect(created.code, created.stderr).toBe(0);
      }
    })();

    try {
      await pause(300);
      for (let i = 0; i < 2; i++) {
        const file = path.join(work, `relay-${i}.db`);
        const sentBefore = sent;
        const result = await runCli(['backup', file, '--data-dir', live.dataDir]);
        expect(result.code, result.stderr).toBe(0);
        expect(result.stdout).toMatch(/Backed up .* \(\d+ bytes, \d+ audit events\)/);
        backups.push(file);
        expect(sent).toBeGreaterThan(sentBefore); // messages kept flowing during the backup
        await pause(200);
      }
    } finally {
      flow.on = false;
      await sending;
      await inviting;
    }
    expect(fs.statSync(backups[0] ?? '').mode & 0o777).toBe(0o600);

    const copy = new SQLite(backups.at(-1) ?? '', { readonly: true, fileMustExist: true });
    try {
      expect(copy.pragma('integrity_check', { simple: true })).toBe('ok');
      expect(copy.pragma('journal_mode', { simple: true })).toBe('delete');
      envelopesAtBackup =
        copy.prepare<[], { n: number }>('SELECT count(*) AS n FROM envelopes').get()?.n ?? 0;
      const handles = copy
        .prepare<[], { handle: string }>('SELECT handle FROM accounts ORDER BY handle')
        .all()
        .map((row) => row.handle);
      expect(handles).toEqual(['alice', 'bob']);
    } finally {
      copy.close();
    }
    expect(envelopesAtBackup).toBeGreaterThan(0);
    console.log(`backup while sending: ${sent} envelopes sent, ${envelopesAtBackup} in the backup`);

    const again = await runCli(['backup', backups[0] ?? '', '--data-dir', live.dataDir]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/exists already/);
  }, 90_000);

  it('refuses to restore while the relay runs', async () => {
    if (relay === null) throw new Error('no relay');
    const before = sha256(path.join(relay.dataDir, 'relay.db'));
    const result = await runCli(['restore', backups.at(-1) ?? '', '--data-dir', relay.dataDir]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/a relay is running on .*: stop it before restoring/);
    expect(sha256(path.join(relay.dataDir, 'relay.db'))).toBe(before);
  });

  it('refuses a backup whose audit log was tampered with, and leaves the data untouched', async () => {
    const target = path.join(work, 'tampered-target');
    copyKeys(relay?.dataDir ?? '', target);
    const tampered = path.join(work, 'tampered.db');
    fs.copyFileSync(backups.at(-1) ?? '', tampered);
    const db = new SQLite(tampered);
    // An edit that hides who did something: the row no longer matches its leaf hash.
    db.prepare("UPDATE audit_events SET details = '{}' WHERE seq = 2").run();
    db.close();

    const result = await runCli(['restore', tampered, '--data-dir', target]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /refusing to restore .*tampered\.db: its audit log does not verify at event 2/,
    );
    expect(fs.existsSync(path.join(target, 'relay.db'))).toBe(false);
    expect(fs.readdirSync(target).filter((name) => name.startsWith('relay.db'))).toEqual([]);

    fs.writeFileSync(path.join(work, 'not-a-db'), 'hello');
    const garbage = await runCli(['restore', path.join(work, 'not-a-db'), '--data-dir', target]);
    expect(garbage.code).toBe(1);
    expect(garbage.stderr).toMatch(/is not a sound VaultRoom database/);
  });

  it('restores over the stopped relay; the restarted relay has the data and its log verifies', async () => {
    if (relay === null) throw new Error('no relay');
    const dataDir = relay.dataDir;
    expect((await relay.stop()).code).toBe(0);
    const backup = backups.at(-1) ?? '';
    const result = await runCli(['restore', backup, '--data-dir', dataDir]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(
      /Audit log of the backup verified: \d+ events, \d+ signed checkpoints/,
    );
    expect(result.stdout).toMatch(/The replaced database is kept as .*relay\.db\.before-restore-/);
    expect(fs.existsSync(path.join(dataDir, 'relay.db-wal'))).toBe(false);

    relay = await startRelayProcess({ dataDir, args: ['--audit-checkpoint-seconds', '1'] });
    const verify = await runCli(['audit', 'verify', '--data-dir', dataDir]);
    expect(verify.code, verify.stderr).toBe(0);
    expect(verify.stdout).toMatch(/Audit log verified/);
    const users = await runCli(['users', 'list', '--data-dir', dataDir]);
    expect(users.stdout).toMatch(/alice/);
    expect(users.stdout).toMatch(/bob/);
    const db = new SQLite(path.join(dataDir, 'relay.db'), { readonly: true });
    try {
      const envelopes =
        db.prepare<[], { n: number }>('SELECT count(*) AS n FROM envelopes').get()?.n ?? 0;
      expect(envelopes).toBe(envelopesAtBackup);
    } finally {
      db.close();
    }
  }, 90_000);

  it('restores onto a new machine given the kept tls/ and audit/ folders', async () => {
    const fresh = path.join(work, 'fresh');
    const result = await runCli(['restore', backups[0] ?? '', '--data-dir', fresh]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/no audit verifier key/);

    copyKeys(relay?.dataDir ?? '', fresh);
    const restored = await runCli(['restore', backups[0] ?? '', '--data-dir', fresh]);
    expect(restored.code, restored.stderr).toBe(0);
    expect(restored.stdout).not.toMatch(/replaced database/);
    const verify = await runCli(['audit', 'verify', '--data-dir', fresh]);
    expect(verify.code, verify.stderr).toBe(0);
  });
});
