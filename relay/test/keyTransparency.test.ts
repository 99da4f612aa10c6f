import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { ACCOUNTS_API } from '@vaultroom/shared';
import { generateAccountKey, type AccountKeyPair } from '@vaultroom/shared/crypto';
import type { ServerFrame } from '@vaultroom/shared/protocol';
import {
  checkKeyProofs,
  Frontier,
  keyEntryHash,
  parseCheckpoint,
  parseSignedNote,
  scanLogLeaves,
  TransparencyError,
  type KeyEntry,
  type KeyProofsAnswer,
  type TrustedLogView,
} from '@vaultroom/shared/transparency';
import sodium from 'libsodium-wrappers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeviceSocket } from './deviceSocket.js';
import { connect, enrol, type EnrolledDevice } from './enrolDevice.js';
import { runCli, startRelayProcess, type RelayProcess } from './relayProcess.js';
import {
  certify,
  deviceList,
  signUpPerson,
  trustUpload,
  withDatabase,
  type Person,
} from './trustFixtures.js';

type Frame<T extends ServerFrame['t']> = Extract<ServerFrame, { t: T }>;

/** The key entries of the whole log, as a device monitoring from the start reads them (§3.9). */
async function monitor(socket: DeviceSocket): Promise<KeyEntry[]> {
  const frontier = Frontier.empty();
  const entries: KeyEntry[] = [];
  for (;;) {
    const page = (await socket.request({
      t: 'fetch-log',
      id: socket.id(),
      from: frontier.size,
      limit: 96,
    })) as Frame<'log-leaves'>;
    const checkpoint = parseCheckpoint(parseSignedNote(page.checkpoint).body);
    entries.push(...scanLogLeaves(frontier, page.leaves, checkpoint));
    if (frontier.size === checkpoint.size) return entries;
  }
}

async function prove(
  socket: DeviceSocket,
  objects: readonly Uint8Array[],
  from = 0,
): Promise<KeyProofsAnswer> {
  const reply = await socket.request({
    t: 'prove-keys',
    id: socket.id(),
    objects: objects.map((object) => Uint8Array.from(keyEntryHash(object))),
    from,
  });
  expect(reply.t).toBe('key-proofs');
  return reply as Frame<'key-proofs'>;
}

const hashText = (object: Uint8Array) => Buffer.from(keyEntryHash(object)).toString('base64');

describe('key transparency on a real relay (PROTOCOL.md §2.11, §3.8)', () => {
  let relay: RelayProcess;
  let ada: Person;
  let bob: Person;
  let ak: AccountKeyPair;
  let laptop: { socket: DeviceSocket; device: EnrolledDevice };
  let bobDevice: { socket: DeviceSocket; device: EnrolledDevice };
  let upload: ReturnType<typeof trustUpload>;

  beforeAll(async () => {
    await sodium.ready;
    relay = await startRelayProcess();
    ada = await signUpPerson(relay, relay.adminInvite() ?? '', 'ada');
    const invite = await ada.client.request('POST', ACCOUNTS_API.invites, {
      role: 'member',
      maxUses: 1,
      expiresInHours: 1,
    });
    bob = await signUpPerson(relay, String(invite.body['link']), 'bob');
    const laptopSocket = await connect(relay, ada.client, null);
    laptop = { socket: laptopSocket, device: await enrol(laptopSocket, 'laptop', 1) };
    const bobSocket = await connect(relay, bob.client, null);
    bobDevice = { socket: bobSocket, device: await enrol(bobSocket, 'bob phone', 1) };
    ak = generateAccountKey(sodium);
    const certs = [certify(ak, laptop.device)];
    upload = trustUpload(ak, deviceList(ak, 'ada', 1, certs), certs);
    const published = await laptop.socket.request({
      t: 'publish-trust',
      id: laptop.socket.id(),
      ...upload,
    });
    expect(published.t).toBe('done');
  });

  afterAll(async () => {
    await relay.stop();
    fs.rmSync(relay.dataDir, { recursive: true, force: true });
  });

  it('logs the account key, certificate, list and device identity, and proves each to a contact', async () => {
    const objects = [upload.accountKey, upload.list, ...upload.certificates];
    const answer = await prove(bobDevice.socket, objects);
    const { view, entries } = checkKeyProofs(sodium, null, answer);
    expect(view.size).toBeGreaterThan(0);
    expect(entries.get(hashText(upload.accountKey))).toMatchObject({
      kind: 'account-key',
      account: 'ada',
    });
    expect(entries.get(hashText(upload.list))).toMatchObject({ kind: 'device-list' });
    expect(entries.get(hashText(upload.certificates[0] ?? new Uint8Array()))).toMatchObject({
      kind: 'device-certificate',
      device: laptop.device.id,
    });
    const logged = await monitor(bobDevice.socket);
    expect(
      logged.filter((entry) => entry.kind === 'device-identity').map((entry) => entry.device),
    ).toEqual([laptop.device.id, bobDevice.device.id]);
  });

  it('refuses a proof that does not verify, or a log that is not the one trusted before', async () => {
    const objects = [upload.list];
    const answer = await prove(bobDevice.socket, objects);
    const first = answer.entries[0];
    if (first === undefined) throw new Error('no entry');
    const flipped = Uint8Array.from(first.proof[0] ?? new Uint8Array(32));
    flipped[0] = (flipped[0] ?? 0) ^ 1;
    const tampered = {
      ...answer,
      entries: [{ ...first, proof: [flipped, ...first.proof.slice(1)] }],
    };
    expect(() => checkKeyProofs(sodium, null, tampered)).toThrow(TransparencyError);

    const { view } = checkKeyProofs(sodium, null, answer);
    const forked: TrustedLogView = { ...view, rootHash: Uint8Array.from(randomBytes(32)) };
    expect(() => checkKeyProofs(sodium, forked, answer)).toThrow(TransparencyError);
  });

  it('a device row and trust objects written into the database, not logged: the owner sees the device unlogged, a contact gets no proof', async () => {
    // The relay's operator (or anyone with its database) adds a device to Ada's account and
    // replaces her account key and list with ones of its own making, logging nothing.
    const planted = {
      id: randomBytes(12).toString('base64url'),
      keys: (await enrol(await connect(relay, bob.client, null), 'spare', 1)).keys,
    };
    const forged = generateAccountKey(sodium);
    const certs = [certify(forged, planted)];
    const list = deviceList(forged, 'ada', 9, certs);
    withDatabase(relay, (db) => {
      const account = db.prepare("SELECT id FROM accounts WHERE handle = 'ada'").get() as {
        id: string;
      };
      db.prepare(
        `INSERT INTO devices (id, account_id, name, signing_key, dh_key, dh_signature, created_at,
           last_seen_at, revoked_at, registered_with_credential)
         VALUES (?, ?, 'planted', ?, ?, ?, ?, ?, NULL, NULL)`,
      ).run(
        planted.id,
        account.id,
        Buffer.from(randomBytes(32)),
        Buffer.from(randomBytes(32)),
        Buffer.from(randomBytes(64)),
        Date.now(),
        Date.now(),
      );
      db.prepare(
        'UPDATE account_trust SET account_key = ?, device_list = ? WHERE account_id = ?',
      ).run(Buffer.from(forged.publicKey), Buffer.from(list), account.id);
    });

    // Ada's laptop, monitoring its own account, finds every device the relay lists for it in the
    // log, except the planted one.
    const logged = new Set(
      (await monitor(laptop.socket))
        .filter((entry) => entry.account === 'ada' && entry.kind === 'device-identity')
        .map((entry) => entry.device),
    );
    const listed = (await laptop.socket.request({
      t: 'list-devices',
      id: laptop.socket.id(),
    })) as Frame<'devices'>;
    const unlogged = listed.devices.map((d) => d.device).filter((id) => !logged.has(id));
    expect(unlogged).toEqual([planted.id]);

    // Bob is served the forged key and list, and the relay can prove neither.
    const served = (await bobDevice.socket.request({
      t: 'fetch-trust',
      id: bobDevice.socket.id(),
      account: 'ada',
    })) as Frame<'trust'>;
    expect(Buffer.from(served.accountKey ?? []).equals(Buffer.from(forged.publicKey))).toBe(true);
    const answer = await prove(bobDevice.socket, [forged.publicKey, list]);
    expect(checkKeyProofs(sodium, null, answer).entries.size).toBe(0);
  });

  it('exports each event with its exact leaf bytes, from which the signed root is recomputed', async () => {
    const exported = await runCli(['audit', 'export', '--data-dir', relay.dataDir]);
    expect(exported.code).toBe(0);
    const lines = exported.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { seq: number; leaf: string; leafHash: string });
    const frontier = Frontier.empty();
    for (const line of lines) {
      const leaf = Buffer.from(line.leaf, 'base64');
      const leafHash = createHash('sha256')
        .update(Buffer.concat([Buffer.of(0), leaf]))
        .digest();
      expect(leafHash.toString('hex')).toBe(line.leafHash);
      frontier.append(leafHash);
    }
    const answer = await prove(bobDevice.socket, []);
    const checkpoint = parseCheckpoint(parseSignedNote(answer.checkpoint).body);
    const replay = Frontier.empty();
    for (const line of lines.slice(0, checkpoint.size)) {
      replay.append(Buffer.from(line.leafHash, 'hex'));
    }
    expect(Buffer.from(replay.root()).equals(Buffer.from(checkpoint.rootHash))).toBe(true);
    const verify = await runCli(['audit', 'verify', '--data-dir', relay.dataDir]);
    expect(verify.code).toBe(0);
  });
});
