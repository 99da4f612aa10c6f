import fs from 'node:fs';
import { ACCOUNTS_API, apiPath } from '@vaultroom/shared';
import {
  generateAccountKey,
  type AccountKeyPair,
  type DeviceCertificate,
} from '@vaultroom/shared/crypto';
import type { ServerFrame } from '@vaultroom/shared/protocol';
import sodium from 'libsodium-wrappers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeviceSocket } from './deviceSocket.js';
import { connect, enrol, type EnrolledDevice } from './enrolDevice.js';
import { startRelayProcess, type RelayProcess } from './relayProcess.js';
import { SoftAuthenticator } from './softAuthenticator.js';
import {
  addPasskey,
  certify,
  deviceList,
  signIn,
  signUpPerson,
  trustUpload,
  withDatabase,
  type Person,
} from './trustFixtures.js';

type Upload = ReturnType<typeof trustUpload>;

describe('device trust on a real relay (PROTOCOL.md §2.9)', () => {
  let relay: RelayProcess;
  let ada: Person;
  let bob: Person;
  let ak: AccountKeyPair;
  /** The laptop's certificate as published first: the relay holds it from then on. */
  let laptopCert: DeviceCertificate;
  /** Ada's laptop (first session) and phone (a second session, same passkey). */
  let laptop: { socket: DeviceSocket; device: EnrolledDevice };
  let phone: { socket: DeviceSocket; device: EnrolledDevice };
  let bobDevice: { socket: DeviceSocket; device: EnrolledDevice };

  async function device(person: Person['client'], name: string) {
    const socket = await connect(relay, person, null);
    return { socket, device: await enrol(socket, name, 1) };
  }

  const publish = (socket: DeviceSocket, upload: Upload): Promise<ServerFrame> =>
    socket.request({ t: 'publish-trust', id: socket.id(), ...upload });

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
    laptop = await device(ada.client, 'laptop');
    phone = await device(await signIn(relay, ada.key), 'phone');
    bobDevice = await device(bob.client, 'bob phone');
    ak = generateAccountKey(sodium);
  });

  afterAll(async () => {
    await relay.stop();
    fs.rmSync(relay.dataDir, { recursive: true, force: true });
  });

  it('answers nulls for an account that published nothing, UNKNOWN_ACCOUNT for no account', async () => {
    const socket = bobDevice.socket;
    expect(await socket.request({ t: 'fetch-trust', id: 1000, account: 'ada' })).toEqual({
      t: 'trust',
      id: 1000,
      account: 'ada',
      accountKey: null,
      list: null,
      certificates: [],
    });
    expect(await socket.request({ t: 'fetch-trust', id: 1001, account: 'nobody' })).toEqual({
      t: 'error',
      id: 1001,
      code: 'UNKNOWN_ACCOUNT',
    });
  });

  it('publishes a list and its certificates, serves them to anyone, and tells the other device', async () => {
    laptopCert = certify(ak, laptop.device);
    const certs = [laptopCert, certify(ak, phone.device)];
    const upload = trustUpload(ak, deviceList(ak, 'ada', 1, certs), certs);
    expect(await publish(laptop.socket, upload)).toMatchObject({ t: 'done' });
    expect(await phone.socket.next((frame) => frame.t === 'trust-changed')).toEqual({
      t: 'trust-changed',
      account: 'ada',
    });
    const trust = await bobDevice.socket.request({ t: 'fetch-trust', id: 1002, account: 'ADA' });
    expect(trust).toMatchObject({ t: 'trust', account: 'ada', accountKey: upload.accountKey });
    const served = trust as Extract<ServerFrame, { t: 'trust' }>;
    expect(served.list).toEqual(upload.list);
    expect(new Set(served.certificates.map((c) => Buffer.from(c).toString('hex')))).toEqual(
      new Set(upload.certificates.map((c) => Buffer.from(c).toString('hex'))),
    );
    // Bob's device is not Ada's: it is not told.
    expect(bobDevice.socket.frames.some((frame) => frame.t === 'trust-changed')).toBe(false);
    // The audit log has the version and device count, never key bytes.
    const events = withDatabase(relay, (db) =>
      db.prepare("SELECT details FROM audit_events WHERE type = 'device_list_published'").all(),
    ) as { details: string }[];
    expect(events.map((row) => JSON.parse(row.details) as unknown)).toEqual([
      { version: 1, devices: 2 },
    ]);
  });

  it('refuses a version not above the stored one (STALE_DEVICE_LIST)', async () => {
    const certs = [certify(ak, laptop.device), certify(ak, phone.device)];
    for (const version of [1, 1]) {
      // The same version again, and the same version with other bytes (a later issuedAt).
      const upload = trustUpload(ak, deviceList(ak, 'ada', version, certs), []);
      expect(await publish(laptop.socket, upload)).toMatchObject({ code: 'STALE_DEVICE_LIST' });
    }
  });

  it('refuses another account key unless it replaces the stored one (ACCOUNT_KEY_MISMATCH)', async () => {
    const other = generateAccountKey(sodium);
    const certs = [certify(other, laptop.device)];
    const upload = trustUpload(other, deviceList(other, 'ada', 5, certs), certs);
    expect(await publish(laptop.socket, upload)).toMatchObject({ code: 'ACCOUNT_KEY_MISMATCH' });
  });

  it('refuses a list naming another account’s device, or a certificate with other keys (BAD_TRUST_OBJECT)', async () => {
    const foreign = [certify(ak, laptop.device), certify(ak, bobDevice.device)];
    const withBob = trustUpload(ak, deviceList(ak, 'ada', 2, foreign), foreign);
    expect(await publish(laptop.socket, withBob)).toMatchObject({ code: 'BAD_TRUST_OBJECT' });

    // The phone's id with the laptop's identity keys: a relay-side swap of keys is refused.
    const swapped = certify(ak, { id: phone.device.id, keys: laptop.device.keys });
    const certs = [certify(ak, laptop.device), swapped];
    const wrongKeys = trustUpload(ak, deviceList(ak, 'ada', 2, certs), certs);
    expect(await publish(laptop.socket, wrongKeys)).toMatchObject({ code: 'BAD_TRUST_OBJECT' });

    // A list signed for Bob's handle, under Ada's key.
    const mine = [certify(ak, laptop.device)];
    const forBob = trustUpload(ak, deviceList(ak, 'bob', 2, mine), mine);
    expect(await publish(laptop.socket, forBob)).toMatchObject({ code: 'BAD_TRUST_OBJECT' });
    // Nothing of these reached the relay's store.
    const trust = await bobDevice.socket.request({ t: 'fetch-trust', id: 1003, account: 'ada' });
    expect((trust as Extract<ServerFrame, { t: 'trust' }>).certificates).toHaveLength(2);
  });

  it('revokes a device a newer list drops: socket closed, mailbox and prekeys gone, hello refused', async () => {
    // Bob writes to Ada's phone, which does not ack: the envelope stays in its mailbox.
    const sent = await bobDevice.socket.request({
      t: 'send',
      id: bobDevice.socket.id(),
      msg: new Uint8Array(16).fill(7),
      to: [{ device: phone.device.id, body: new Uint8Array(100) }],
    });
    expect(sent.t).toBe('sent');
    await phone.socket.next((frame) => frame.t === 'deliver');
    const held = () =>
      withDatabase(relay, (db) =>
        db
          .prepare(
            `SELECT (SELECT count(*) FROM envelopes WHERE recipient_device_id = @id) AS envelopes,
                    (SELECT count(*) FROM one_time_prekeys WHERE device_id = @id) AS prekeys`,
          )
          .get({ id: phone.device.id }),
      ) as { envelopes: number; prekeys: number };
    expect(held()).toEqual({ envelopes: 1, prekeys: 1 });

    // The laptop's certificate is the one the relay holds: the frame need not carry it again.
    const certs = [laptopCert];
    expect(
      await publish(laptop.socket, trustUpload(ak, deviceList(ak, 'ada', 2, certs), [])),
    ).toMatchObject({ t: 'done' });
    expect(await phone.socket.closed).toBe(1008);
    expect(held()).toEqual({ envelopes: 0, prekeys: 0 });
    const owners = await bobDevice.socket.request({
      t: 'lookup-devices',
      id: bobDevice.socket.id(),
      devices: [phone.device.id],
    });
    expect(owners).toMatchObject({ devices: [{ device: phone.device.id, revoked: true }] });
    const again = await DeviceSocket.open(relay, ada.client.cookie);
    expect(await again.hello(phone.device.id)).toMatchObject({
      t: 'error',
      code: 'UNKNOWN_DEVICE',
    });
    again.close();
    const trust = await bobDevice.socket.request({ t: 'fetch-trust', id: 1004, account: 'ada' });
    expect((trust as Extract<ServerFrame, { t: 'trust' }>).certificates).toHaveLength(1);
  });

  it('keeps a sealed key per own passkey, refuses another account’s, and drops it with the passkey', async () => {
    const socket = laptop.socket;
    const [adaCredential] = ada.key.credentials;
    const [bobCredential] = bob.key.credentials;
    const sealed = new Uint8Array(74).fill(3);
    const store = (credential: string) =>
      socket.request({ t: 'store-sealed-key', id: socket.id(), credential, sealed });
    expect(await store(adaCredential?.id ?? '')).toMatchObject({ t: 'done' });
    expect(await store(bobCredential?.id ?? '')).toMatchObject({ code: 'FORBIDDEN' });
    expect(await store('no-such-credential')).toMatchObject({ code: 'FORBIDDEN' });
    expect(await socket.request({ t: 'fetch-sealed-key', id: 2000 })).toEqual({
      t: 'sealed-key',
      id: 2000,
      credential: adaCredential?.id,
      sealed,
    });
    // Removing that passkey (from the other passkey's session) removes its blob.
    const otherKey = new SoftAuthenticator({ origin: ada.client.origin });
    expect((await addPasskey(ada.client, otherKey)).status).toBe(201);
    const other = await signIn(relay, otherKey);
    const removed = await other.request(
      'DELETE',
      apiPath(ACCOUNTS_API.passkey, { id: adaCredential?.id ?? '' }),
    );
    expect(removed.status).toBe(204);
    const left = withDatabase(relay, (db) =>
      db.prepare('SELECT count(*) AS n FROM sealed_account_keys').get(),
    ) as { n: number };
    expect(left.n).toBe(0);
  });
});
