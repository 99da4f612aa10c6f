import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { ServerFrame } from '@vaultroom/shared/protocol';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../apiClient.js';
import { DeviceSocket, signUp } from '../deviceSocket.js';
import { connect, enrol } from '../enrolDevice.js';
import {
  freePort,
  makeDataDir,
  runCli,
  startRelayProcess,
  type RelayProcess,
} from '../relayProcess.js';
import { rawUpgrade } from '../rawUpgrade.js';
import { startPostgres, type PostgresServer } from '../services/postgresServer.js';

/*
 * A relay whose database is PostgreSQL (VAULTROOM_DATABASE_URL): the whole relay, as an operator
 * runs it, on a real server.
 */

type Deliver = Extract<ServerFrame, { t: 'deliver' }>;

async function invite(admin: ApiClient): Promise<string> {
  const created = await admin.request('POST', '/api/invites', {
    role: 'member',
    maxUses: 1,
    expiresInHours: 1,
  });
  return String(created.body['link']);
}

/** Polls `condition` until it holds, or fails after `timeoutMs`. */
async function until(condition: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('a relay on PostgreSQL', () => {
  let server: PostgresServer;
  let relay: RelayProcess;
  let pool: pg.Pool;
  let alice: ApiClient;

  const mailboxSize = async (device: string) =>
    (
      await pool.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM envelopes WHERE recipient_device_id = $1',
        [device],
      )
    ).rows[0]?.n;

  beforeAll(async () => {
    server = await startPostgres();
    pool = new pg.Pool({ connectionString: server.url, max: 2 });
    relay = await startRelayProcess({ databaseUrl: server.url });
  });

  afterAll(async () => {
    await pool.end();
    await relay.stop(); // a second time when the last test stopped it already: a no-op
    fs.rmSync(relay.dataDir, { recursive: true, force: true });
    await server.stop();
  });

  it('keeps nothing of its database in the data directory, only TLS material and the audit key', async () => {
    const health = await new ApiClient(relay).request('GET', '/healthz');
    expect(health.body).toMatchObject({ status: 'ok', database: 'ok' });
    expect(fs.existsSync(path.join(relay.dataDir, 'relay.db'))).toBe(false);
    expect(fs.existsSync(path.join(relay.dataDir, 'audit', 'log-key.secret'))).toBe(true);
    expect(fs.existsSync(path.join(relay.dataDir, 'tls', 'ca.pem'))).toBe(true);
  });

  it('signs people up, registers their devices and delivers a message that is acked', async () => {
    alice = await signUp(relay, relay.adminInvite() ?? '', 'alice');
    const bob = await signUp(relay, await invite(alice), 'bob');
    const aliceSocket = await connect(relay, alice, null);
    const aliceDevice = await enrol(aliceSocket, 'alice phone');
    const bobSocket = await connect(relay, bob, null);
    const bobDevice = await enrol(bobSocket, 'bob laptop');
    bobSocket.close();
    await bobSocket.closed;

    const sent = await aliceSocket.request({
      t: 'send',
      id: aliceSocket.id(),
      msg: new Uint8Array(randomBytes(16)),
      to: [{ device: bobDevice.id, body: new Uint8Array([1, 2, 3]) }],
    });
    expect(sent.t).toBe('sent');

    const reader = await connect(relay, bob, bobDevice.id);
    const delivered = (await reader.next((frame) => frame.t === 'deliver')) as Deliver;
    expect(delivered.envelopes.map((envelope) => [...envelope.body])).toEqual([[1, 2, 3]]);
    expect(delivered.envelopes[0]?.from).toBe(aliceDevice.id);
    reader.send({ t: 'ack', envelopes: delivered.envelopes.map((envelope) => envelope.id) });

    // Acked means gone from PostgreSQL; a new connection of the device is given nothing again.
    await until(async () => (await mailboxSize(bobDevice.id)) === 0);
    reader.close();
    await reader.closed;
    const again = await DeviceSocket.open(relay, bob.cookie);
    await again.hello(bobDevice.id);
    await again.next((frame) => frame.t === 'queue-empty');
    expect(again.frames.filter((frame) => frame.t === 'deliver')).toEqual([]);
    again.close();
    aliceSocket.close();
  });

  it('answers every fresh socket, even while its session check waits on PostgreSQL', async () => {
    // An upgrade answered after an await went through uWS's HttpResponse.cork, which sometimes
    // closed the new socket right after its 101 (sessionSockets.ts). `Connection: close` made it
    // happen every time; `Upgrade` about one time in ten, under load.
    const outcomes: string[] = [];
    for (let i = 0; i < 20; i++) {
      for (const connection of ['Upgrade', 'close', 'keep-alive, Upgrade']) {
        outcomes.push(`${connection}: ${await rawUpgrade(relay, alice.cookie, connection)}`);
      }
    }
    expect(outcomes.filter((outcome) => !outcome.endsWith(': answered'))).toEqual([]);
  });

  it('takes invites and account commands from the terminal on its database', async () => {
    // No data directory: the commands find everything through the database URL, as on a node
    // whose relay keeps nothing but TLS files and the audit key.
    const location = ['--database-url', server.url, '--port', String(relay.httpsPort)];
    const created = await runCli(['invite', 'create', '--role', 'member', ...location]);
    expect(created.code).toBe(0);
    const link = /https:\/\/\S+\/join#invite=[\w-]+/.exec(created.stdout)?.[0] ?? '';
    expect(link).toContain(`https://vaultroom.local:${String(relay.httpsPort)}/join#invite=`);
    await signUp(relay, link, 'dave');
    const users = await runCli(['users', 'list', ...location]);
    expect(users.stdout).toMatch(/@dave\s+dave\s+member\s+active\s+1/);
    const disabled = await runCli(['users', 'disable', '@dave', ...location]);
    expect(disabled.code).toBe(0);
    const { rows } = await pool.query<{ status: string }>(
      'SELECT status FROM accounts WHERE handle = $1',
      ['dave'],
    );
    expect(rows[0]?.status).toBe('disabled');
  });

  it('stops cleanly, and its last checkpoint covers its stop', async () => {
    expect((await relay.stop()).code).toBe(0);
    const { rows } = await pool.query<{ size: number; signed: number; last: string }>(
      `SELECT (SELECT max(seq) FROM audit_events)::int AS size,
              (SELECT max(tree_size) FROM audit_checkpoints)::int AS signed,
              (SELECT type FROM audit_events ORDER BY seq DESC LIMIT 1) AS last`,
    );
    expect(rows[0]).toMatchObject({ last: 'relay_stopped' });
    expect(rows[0]?.signed).toBe(rows[0]?.size);
  });
});

describe('a relay whose PostgreSQL server is out of reach', () => {
  it('refuses to start with one line naming the server, never the password', async () => {
    const dataDir = makeDataDir();
    try {
      const port = await freePort();
      const result = await runCli(
        ['serve', '--port', '0', '--http-port', '0', '--data-dir', dataDir],
        {
          VAULTROOM_DATABASE_URL: `postgres://vaultroom:s3cret-password@127.0.0.1:${port}/vaultroom`,
        },
      );
      expect(result.code).toBe(1);
      expect(result.stderr.trim().split('\n')).toEqual([
        expect.stringMatching(
          new RegExp(
            `^vaultroom: cannot open or migrate the database on PostgreSQL at 127\\.0\\.0\\.1:${port}: `,
          ),
        ),
      ]);
      expect(result.stderr + result.stdout).not.toContain('s3cret-password');
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
