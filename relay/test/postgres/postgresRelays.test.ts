import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ACCOUNTS_API } from '@vaultroom/shared';
import { generateAccountKey } from '@vaultroom/shared/crypto';
import type { ServerFrame } from '@vaultroom/shared/protocol';
import {
  checkKeyProofs,
  Frontier,
  keyEntryHash,
  parseCheckpoint,
  parseSignedNote,
  parseVerifierKey,
  scanLogLeaves,
  verifyCheckpoint,
  type KeyEntry,
  type KeyProofsAnswer,
} from '@vaultroom/shared/transparency';
import sodium from 'libsodium-wrappers';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiClient } from '../apiClient.js';
import { connect as connectOnce, enrol } from '../enrolDevice.js';
import { DeviceSocket } from '../deviceSocket.js';

import { makeDataDir, runCli, startRelayProcess, type RelayProcess } from '../relayProcess.js';
import { startPostgres, type PostgresServer } from '../services/postgresServer.js';
import { certify, deviceList, signIn, signUpPerson, trustUpload } from '../trustFixtures.js';

/*
 * Two relays on one PostgreSQL database, as an organisation runs them behind a load balancer:
 * accounts, devices, mailboxes and one audit log shared, each relay with its own data directory
 * (TLS material, and a copy of the one audit log key).
 */

type Frame<T extends ServerFrame['t']> = Extract<ServerFrame, { t: T }>;

const KEY_FILE = path.join('audit', 'log-key.secret');

/** A data directory holding a copy of `from`'s audit log key, as the operator copies it. */
function dataDirWithKeyOf(from: RelayProcess): string {
  const dir = makeDataDir();
  fs.mkdirSync(path.join(dir, 'audit'), { recursive: true, mode: 0o700 });
  fs.copyFileSync(path.join(from.dataDir, KEY_FILE), path.join(dir, KEY_FILE));
  return dir;
}

async function prove(socket: DeviceSocket, objects: readonly Uint8Array[]) {
  const reply = await socket.request({
    t: 'prove-keys',
    id: socket.id(),
    objects: objects.map((object) => Uint8Array.from(keyEntryHash(object))),
    from: 0,
  });
  expect(reply.t).toBe('key-proofs');
  return reply as Frame<'key-proofs'> & KeyProofsAnswer;
}

/** The key entries of the whole log, as a device monitoring from the start reads them. */
async function monitor(socket: DeviceSocket): Promise<{ entries: KeyEntry[]; notes: string[] }> {
  const frontier = Frontier.empty();
  const entries: KeyEntry[] = [];
  const notes: string[] = [];
  for (;;) {
    const page = (await socket.request({
      t: 'fetch-log',
      id: socket.id(),
      from: frontier.size,
      limit: 64,
    })) as Frame<'log-leaves'>;
    notes.push(page.checkpoint);
    const checkpoint = parseCheckpoint(parseSignedNote(page.checkpoint).body);
    entries.push(...scanLogLeaves(frontier, page.leaves, checkpoint));
    if (frontier.size === checkpoint.size) return { entries, notes };
  }
}

/** Sockets the relay dropped before answering hello (see connect). */
let droppedBeforeWelcome = 0;

/**
 * Opens a device socket and says hello, once more if the relay dropped the connection before
 * answering (seen now and then, close code 1006, on a relay's first seconds: the app reconnects
 * the same way). Counted and printed, so that it stays visible.
 */
async function connect(relay: RelayProcess, client: ApiClient, device: string | null) {
  const socket = await DeviceSocket.open(relay, client.cookie);
  const reply = await Promise.race([socket.hello(device), socket.closed.then(() => null)]);
  if (reply === null && (await socket.closed) === 1006) {
    droppedBeforeWelcome += 1;
    return connectOnce(relay, client, device);
  }
  expect(reply).toMatchObject({ t: 'welcome', device });
  return socket;
}

async function until(condition: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('two relays on one PostgreSQL database', () => {
  let server: PostgresServer;
  let pool: pg.Pool;
  let one: RelayProcess;
  let two: RelayProcess;
  const dirs: string[] = [];

  beforeAll(async () => {
    await sodium.ready;
    server = await startPostgres();
    pool = new pg.Pool({ connectionString: server.url, max: 2 });
    one = await startRelayProcess({ databaseUrl: server.url });
    dirs.push(one.dataDir);
    const twoDir = dataDirWithKeyOf(one);
    dirs.push(twoDir);
    two = await startRelayProcess({ databaseUrl: server.url, dataDir: twoDir });
  });

  afterAll(async () => {
    console.log(`sockets dropped before welcome and opened again: ${droppedBeforeWelcome}`);
    await Promise.all([one.stop(), two.stop()]);
    await pool.end();
    for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
    await server.stop();
  });

  it('refuses to start a relay whose audit log key is not the one the others sign with', async () => {
    const stranger = makeDataDir();
    dirs.push(stranger);
    const result = await runCli(
      ['serve', '--port', '0', '--http-port', '0', '--data-dir', stranger],
      { VAULTROOM_DATABASE_URL: server.url },
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(path.join(stranger, KEY_FILE));
    expect(result.stderr).toMatch(/copy log-key\.secret from the data directory of a relay/);
  });

  it('carries sign-up, two devices, messages and acks, and key proofs across both relays', async () => {
    // Ada signs up on relay one; Bob, invited by her, on relay two. Each relay started without
    // an account prints a first-administrator link, which revokes the one printed before it.
    const ada = await signUpPerson(one, two.adminInvite() ?? '', 'ada');
    const invite = await ada.client.request('POST', ACCOUNTS_API.invites, {
      role: 'member',
      maxUses: 1,
      expiresInHours: 1,
    });
    const bob = await signUpPerson(two, String(invite.body['link']), 'bob');

    // Ada's laptop on relay one; her phone signs in (on relay one: the passkey is bound to the
    // origin it was made on, and these relays have one each) and then connects to relay two,
    // where the session is just as valid.
    const laptopSocket = await connect(one, ada.client, null);
    const laptop = await enrol(laptopSocket, 'laptop', 2);
    const phoneClient = await signIn(one, ada.key);
    const phoneSocket = await connect(two, phoneClient, null);
    const phone = await enrol(phoneSocket, 'phone', 2);
    const bobSocket = await connect(two, bob.client, null);
    const bobDevice = await enrol(bobSocket, 'bob phone', 2);
    const ak = generateAccountKey(sodium);
    const certificates = [certify(ak, laptop), certify(ak, phone)];
    const upload = trustUpload(ak, deviceList(ak, 'ada', 1, certificates), certificates);
    const published = await laptopSocket.request({
      t: 'publish-trust',
      id: laptopSocket.id(),
      ...upload,
    });
    expect(published.t).toBe('done');
    for (const socket of [phoneSocket, bobSocket]) {
      socket.close();
      await socket.closed;
    }

    // Sent on relay one to Bob and to Ada's phone, both of whom will connect to relay two.
    const sent = await laptopSocket.request({
      t: 'send',
      id: laptopSocket.id(),
      msg: new Uint8Array(randomBytes(16)),
      to: [
        { device: bobDevice.id, body: new Uint8Array([1]) },
        { device: phone.id, body: new Uint8Array([2]) },
      ],
    });
    expect(sent.t).toBe('sent');
    for (const [client, device, body] of [
      [bob.client, bobDevice.id, 1],
      [phoneClient, phone.id, 2],
    ] as const) {
      const reader = await connect(two, client, device);
      const delivered = (await reader.next((frame) => frame.t === 'deliver')) as Frame<'deliver'>;
      expect(delivered.envelopes.map((envelope) => [envelope.from, [...envelope.body]])).toEqual([
        [laptop.id, [body]],
      ]);
      reader.send({ t: 'ack', envelopes: delivered.envelopes.map((envelope) => envelope.id) });
      await until(async () => {
        const { rows } = await pool.query<{ n: number }>(
          'SELECT count(*)::int AS n FROM envelopes WHERE recipient_device_id = $1',
          [device],
        );
        return rows[0]?.n === 0;
      });
      reader.close();
    }

    // Bob, on relay two, is proven Ada's keys, which relay one logged; Ada, on relay one, too.
    const bobReader = await connect(two, bob.client, bobDevice.id);
    const objects = [upload.accountKey, upload.list, ...upload.certificates];
    const answers = [await prove(bobReader, objects), await prove(laptopSocket, objects)];
    for (const answer of answers) {
      const { entries } = checkKeyProofs(sodium, null, answer);
      expect(entries.size).toBe(objects.length);
    }
    expect(answers[0]?.verifierKey).toBe(answers[1]?.verifierKey);
    // A device monitoring the log from relay two finds every device identity, wherever registered.
    const monitored = await monitor(bobReader);
    expect(
      monitored.entries
        .filter((entry) => entry.kind === 'device-identity')
        .map((entry) => entry.device),
    ).toEqual([laptop.id, phone.id, bobDevice.id]);

    // Every checkpoint either relay gave out is the one stored for its size, under one key.
    const notes = [...answers.map((answer) => answer.checkpoint), ...monitored.notes];
    const stored = new Map(
      (
        await pool.query<{ tree_size: string; note: string }>(
          'SELECT tree_size, note FROM audit_checkpoints',
        )
      ).rows.map((row) => [Number(row.tree_size), row.note]),
    );
    const expected = {
      origin: parseCheckpoint(parseSignedNote(notes[0] ?? '').body).origin,
      verifiers: [parseVerifierKey(answers[0]?.verifierKey ?? '')],
    };
    for (const note of notes) {
      expect(stored.get(verifyCheckpoint(note, expected, sodium).size)).toBe(note);
    }
    bobReader.close();
    laptopSocket.close();
  });

  it('verifies and exports the shared audit log with the audit commands', async () => {
    const verified = await runCli(['audit', 'verify', '--data-dir', one.dataDir], {
      VAULTROOM_DATABASE_URL: server.url,
    });
    expect(verified.stderr).toBe('');
    expect(verified.stdout).toMatch(/^Audit log verified: \d+ events/);
    const exported = await runCli(
      ['audit', 'export', '--data-dir', two.dataDir, '--database-url', server.url],
      {},
    );
    expect(exported.code).toBe(0);
    const events = exported.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { seq: number; type: string });
    expect(events.map((event) => event.seq)).toEqual(events.map((_, index) => index + 1));
    expect(events.filter((event) => event.type === 'relay_started')).toHaveLength(2);
  });
});
