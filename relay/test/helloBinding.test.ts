import fs from 'node:fs';
import { ACCOUNTS_API } from '@vaultroom/shared';
import { generateAccountKey } from '@vaultroom/shared/crypto';
import sodium from 'libsodium-wrappers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiClient } from './apiClient.js';
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

describe('which session may say hello as a device, on a real relay (PROTOCOL.md §2.9)', () => {
  let relay: RelayProcess;
  let ada: Person;
  let bob: Person;
  /** Ada's second passkey, on another authenticator. */
  let otherKey: SoftAuthenticator;
  let laptop: EnrolledDevice;
  let bobSocket: DeviceSocket;

  /** Opens a socket for `client` and says hello as `device`; returns the socket and the answer. */
  async function hello(client: ApiClient, device: string) {
    const socket = await DeviceSocket.open(relay, client.cookie);
    return { socket, answer: await socket.hello(device) };
  }

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
    otherKey = new SoftAuthenticator({ origin: ada.client.origin });
    expect((await addPasskey(ada.client, otherKey)).status).toBe(201);
    const socket = await connect(relay, ada.client, null);
    laptop = await enrol(socket, 'laptop', 1);
    socket.close();
    await socket.closed;
    bobSocket = await connect(relay, bob.client, null);
    await enrol(bobSocket, 'bob phone', 1);
  });

  afterAll(async () => {
    await relay.stop();
    fs.rmSync(relay.dataDir, { recursive: true, force: true });
  });

  it('refuses a session of another passkey of the account: it cannot drain the mailbox', async () => {
    const sent = await bobSocket.request({
      t: 'send',
      id: bobSocket.id(),
      msg: new Uint8Array(16).fill(1),
      to: [{ device: laptop.id, body: new Uint8Array(64) }],
    });
    expect(sent.t).toBe('sent');

    const intruder = await signIn(relay, otherKey);
    const refused = await hello(intruder, laptop.id);
    expect(refused.answer).toEqual({ t: 'error', id: null, code: 'FORBIDDEN' });
    // Nothing was pushed to it, and with its hello refused it can ack nothing.
    refused.socket.send({ t: 'ack', envelopes: ['anything'] });
    expect(await refused.socket.next((frame) => frame.t === 'error')).toMatchObject({
      code: 'HELLO_REQUIRED',
    });
    expect(refused.socket.frames.some((frame) => frame.t === 'deliver')).toBe(false);
    refused.socket.close();
    const waiting = withDatabase(relay, (db) =>
      db
        .prepare('SELECT count(*) AS n FROM envelopes WHERE recipient_device_id = ?')
        .get(laptop.id),
    ) as { n: number };
    expect(waiting.n).toBe(1);

    // A new session of the passkey that registered the device (the owner signing in again) may.
    const owner = await hello(await signIn(relay, ada.key), laptop.id);
    expect(owner.answer).toMatchObject({ t: 'welcome', device: laptop.id });
    expect(await owner.socket.next((frame) => frame.t === 'deliver')).toMatchObject({
      envelopes: [{ from: expect.any(String) as string }],
    });
    owner.socket.close();
  });

  it('lets any session of the account say hello as a device its signed list names', async () => {
    const ak = generateAccountKey(sodium);
    const certs = [certify(ak, laptop)];
    const publisher = await hello(ada.client, laptop.id);
    expect(publisher.answer.t).toBe('welcome');
    const published = await publisher.socket.request({
      t: 'publish-trust',
      id: 1,
      ...trustUpload(ak, deviceList(ak, 'ada', 1, certs), certs),
    });
    expect(published.t).toBe('done');
    publisher.socket.close();
    const listed = await hello(await signIn(relay, otherKey), laptop.id);
    expect(listed.answer).toMatchObject({ t: 'welcome', device: laptop.id });
    listed.socket.close();
    // Another account's session, never.
    const foreign = await hello(bob.client, laptop.id);
    expect(foreign.answer).toMatchObject({ t: 'error', code: 'FORBIDDEN' });
    foreign.socket.close();
  });

  it('lets the first session to say hello claim a device registered before passkeys were recorded', async () => {
    const socket = await connect(relay, await signIn(relay, ada.key), null);
    const old = await enrol(socket, 'old tablet', 1);
    socket.close();
    await socket.closed;
    withDatabase(relay, (db) =>
      db.prepare('UPDATE devices SET registered_with_credential = NULL WHERE id = ?').run(old.id),
    );
    const claimant = await hello(await signIn(relay, otherKey), old.id);
    expect(claimant.answer).toMatchObject({ t: 'welcome', device: old.id });
    claimant.socket.close();
    // Claimed for the other passkey: a fresh session of the first one is now refused.
    const late = await hello(await signIn(relay, ada.key), old.id);
    expect(late.answer).toMatchObject({ t: 'error', code: 'FORBIDDEN' });
    late.socket.close();
  });
});
