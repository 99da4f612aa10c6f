import fs from 'node:fs';
import { ACCOUNTS_API } from '@vaultroom/shared';
import { generateDeviceKeys, type DeviceKeys } from '@vaultroom/shared/crypto';
import type { ClientFrame } from '@vaultroom/shared/protocol';
import sodium from 'libsodium-wrappers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashSecret } from '../src/accounts/secrets.js';
import { readSessionToken } from '../src/accounts/sessionCookie.js';
import type { ApiClient } from './apiClient.js';
import type { DeviceSocket } from './deviceSocket.js';
import { connect } from './enrolDevice.js';
import { startRelayProcess, type RelayProcess } from './relayProcess.js';
import { SoftAuthenticator } from './softAuthenticator.js';
import { addPasskey, signIn, signUpPerson, withDatabase, type Person } from './trustFixtures.js';

type RegisterFrame = Extract<ClientFrame, { t: 'register-device' }>;

/** A `register-device` for fresh identity keys, as the app sends it (and sends it again). */
function registration(keys: DeviceKeys, name: string): Omit<RegisterFrame, 'id'> {
  return {
    t: 'register-device',
    name,
    identity: {
      signingPublicKey: Uint8Array.from(keys.identity.signingPublicKey),
      dhPublicKey: Uint8Array.from(keys.identity.dhPublicKey),
      dhSignature: Uint8Array.from(keys.identity.dhSignature),
    },
  };
}

/** Polls until `probe` returns a value: a condition, never a fixed sleep. */
async function waitFor<T>(probe: () => T | undefined, timeoutMs = 10_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('a device registration whose answer was lost to a sign-out (PROTOCOL.md §2.6.1)', () => {
  let relay: RelayProcess;
  let ada: Person;
  let bob: Person;
  /** Ada's second passkey, on another authenticator. */
  let otherKey: SoftAuthenticator;

  /** Sends `frame` on a fresh socket of `client` that says hello with no device. */
  async function ask(client: ApiClient, frame: Omit<RegisterFrame, 'id'>) {
    const socket = await connect(relay, client, null);
    const reply = await socket.request({ ...frame, id: socket.id() });
    return { socket, reply };
  }

  async function signOut(client: ApiClient, socket: DeviceSocket): Promise<void> {
    expect((await client.request('POST', ACCOUNTS_API.signOut, {})).status).toBe(204);
    // Signing out closes the session's sockets.
    await socket.closed;
  }

  /** What the relay holds for an identity key: device rows, device_added events, key entries. */
  function recordsOf(keys: DeviceKeys) {
    return withDatabase(relay, (db) => {
      const devices = db
        .prepare('SELECT id FROM devices WHERE signing_key = ?')
        .all(Buffer.from(keys.identity.signingPublicKey)) as { id: string }[];
      const ids = devices.map((device) => device.id);
      const count = (sql: string) =>
        ids.reduce((sum, id) => sum + (db.prepare(sql).get(id) as { n: number }).n, 0);
      return {
        devices: ids,
        added: count(
          "SELECT count(*) AS n FROM audit_events WHERE type = 'device_added' AND target = ?",
        ),
        keyEntries: count(
          "SELECT count(*) AS n FROM audit_events WHERE type = 'key_logged' AND actor_device_id = ?",
        ),
      };
    });
  }

  /** The session row of a client, found by its cookie's token as the relay finds it. */
  function sessionOf(client: ApiClient): string {
    const token = readSessionToken(client.cookie);
    if (token === null) throw new Error('the client holds no session cookie');
    const row = withDatabase(relay, (db) =>
      db.prepare('SELECT id FROM sessions WHERE token_hash = ?').get(hashSecret(token)),
    ) as { id: string } | undefined;
    if (row === undefined) throw new Error('no session for that cookie');
    return row.id;
  }

  /** The device a session speaks for, as the relay recorded it. */
  function boundDevice(client: ApiClient): string | null {
    const row = withDatabase(relay, (db) =>
      db.prepare('SELECT device_id FROM sessions WHERE id = ?').get(sessionOf(client)),
    ) as { device_id: string | null };
    return row.device_id;
  }

  beforeAll(async () => {
    await sodium.ready;
    // Each test signs in a few times: more ceremonies a minute than the default allows one address.
    relay = await startRelayProcess({ args: ['--auth-rate-per-minute', '1000'] });
    ada = await signUpPerson(relay, relay.adminInvite() ?? '', 'ada');
    const invite = await ada.client.request('POST', ACCOUNTS_API.invites, {
      role: 'member',
      maxUses: 1,
      expiresInHours: 1,
    });
    bob = await signUpPerson(relay, String(invite.body['link']), 'bob');
    otherKey = new SoftAuthenticator({ origin: ada.client.origin });
    expect((await addPasskey(ada.client, otherKey)).status).toBe(201);
  });

  afterAll(async () => {
    await relay.stop();
    fs.rmSync(relay.dataDir, { recursive: true, force: true });
  });

  it('gives a new session of the same passkey the same device when the answer was read too late', async () => {
    const keys = generateDeviceKeys(sodium, { now: Date.now(), oneTimePrekeys: 1 });
    const first = await signIn(relay, ada.key);
    const attempt = await ask(first, registration(keys, 'laptop'));
    expect(attempt.reply).toMatchObject({ t: 'device-registered' });
    const device = (attempt.reply as { device: string }).device;
    // The app had the answer but not yet its record of it when the person signed out.
    await signOut(first, attempt.socket);

    const second = await signIn(relay, ada.key);
    const retry = await ask(second, registration(keys, 'laptop'));
    expect(retry.reply).toMatchObject({ t: 'device-registered', device });
    retry.socket.close();
    await retry.socket.closed;

    const again = await connect(relay, second, device);
    again.close();
    expect(recordsOf(keys)).toEqual({ devices: [device], added: 1, keyEntries: 1 });
  });

  it('gives it the same device when the session ended before the answer was read', async () => {
    const keys = generateDeviceKeys(sodium, { now: Date.now(), oneTimePrekeys: 1 });
    const first = await signIn(relay, ada.key);
    const socket = await connect(relay, first, null);
    socket.send({ ...registration(keys, 'phone'), id: socket.id() });
    // The relay committed the device; the app signs out without having read the answer.
    const [committed] = await waitFor(() => {
      const { devices } = recordsOf(keys);
      return devices.length === 0 ? undefined : devices;
    });
    await signOut(first, socket);

    const second = await signIn(relay, ada.key);
    const retry = await ask(second, registration(keys, 'phone'));
    expect(retry.reply).toMatchObject({ t: 'device-registered', device: committed });
    // The retrying session now speaks for the device, as the first registration's did: its
    // connection is the device's, and revoking the device would end this session too.
    expect(boundDevice(second)).toBe(committed);
    retry.socket.close();
    await retry.socket.closed;

    const hello = await connect(relay, second, committed ?? '');
    const pong = await hello.request({ t: 'ping', id: hello.id() });
    expect(pong.t).toBe('done');
    hello.close();
    expect(recordsOf(keys)).toEqual({ devices: [committed], added: 1, keyEntries: 1 });
  });

  it('gives it the same device while the first session is still signed in', async () => {
    // The socket dropped and the app signed in again in a way that left the first session live:
    // both sessions of the passkey may speak for the device, as both may say hello with it.
    const keys = generateDeviceKeys(sodium, { now: Date.now(), oneTimePrekeys: 1 });
    const first = await signIn(relay, ada.key);
    const attempt = await ask(first, registration(keys, 'desk'));
    const device = (attempt.reply as { device: string }).device;
    attempt.socket.close();
    await attempt.socket.closed;

    const second = await signIn(relay, ada.key);
    const retry = await ask(second, registration(keys, 'desk'));
    expect(retry.reply).toMatchObject({ t: 'device-registered', device });
    retry.socket.close();
    expect([boundDevice(first), boundDevice(second)]).toEqual([device, device]);
    expect(recordsOf(keys)).toEqual({ devices: [device], added: 1, keyEntries: 1 });
  });

  it("refuses the retry from a session of the account's other passkey", async () => {
    const keys = generateDeviceKeys(sodium, { now: Date.now(), oneTimePrekeys: 1 });
    const first = await signIn(relay, ada.key);
    const attempt = await ask(first, registration(keys, 'tablet'));
    expect(attempt.reply.t).toBe('device-registered');
    await signOut(first, attempt.socket);

    const intruder = await signIn(relay, otherKey);
    const refused = await ask(intruder, registration(keys, 'tablet'));
    expect(refused.reply).toMatchObject({ t: 'error', code: 'BAD_KEY_RECORD' });
    expect(boundDevice(intruder)).toBeNull();
    refused.socket.close();
    expect(recordsOf(keys).devices).toHaveLength(1);
  });

  it("refuses another account's session presenting the key", async () => {
    const keys = generateDeviceKeys(sodium, { now: Date.now(), oneTimePrekeys: 1 });
    const first = await signIn(relay, ada.key);
    const attempt = await ask(first, registration(keys, 'desktop'));
    expect(attempt.reply.t).toBe('device-registered');
    await signOut(first, attempt.socket);

    const refused = await ask(await signIn(relay, bob.key), registration(keys, 'desktop'));
    expect(refused.reply).toMatchObject({ t: 'error', code: 'BAD_KEY_RECORD' });
    refused.socket.close();
  });

  it('refuses the retry of a revoked device, even from its own passkey', async () => {
    const keys = generateDeviceKeys(sodium, { now: Date.now(), oneTimePrekeys: 1 });
    const first = await signIn(relay, ada.key);
    const attempt = await ask(first, registration(keys, 'lost phone'));
    expect(attempt.reply.t).toBe('device-registered');
    const device = (attempt.reply as { device: string }).device;
    await signOut(first, attempt.socket);

    // A fresh sign-in counts as a recent verification, which revoking needs.
    const owner = await signIn(relay, ada.key);
    const revoker = await connect(relay, owner, null);
    const revoked = await revoker.request({ t: 'revoke-device', id: revoker.id(), device });
    expect(revoked.t).toBe('done');
    const refused = await revoker.request({
      ...registration(keys, 'lost phone'),
      id: revoker.id(),
    });
    expect(refused).toMatchObject({ t: 'error', code: 'BAD_KEY_RECORD' });
    revoker.close();
  });

  it('refuses a session with no passkey recorded, even for a device registered with none', async () => {
    const keys = generateDeviceKeys(sodium, { now: Date.now(), oneTimePrekeys: 1 });
    const first = await signIn(relay, ada.key);
    const attempt = await ask(first, registration(keys, 'old laptop'));
    expect(attempt.reply.t).toBe('device-registered');
    const device = (attempt.reply as { device: string }).device;
    await signOut(first, attempt.socket);

    // A session from before the relay recorded passkeys, and a device from then too: two
    // unknowns are not a match.
    const second = await signIn(relay, ada.key);
    withDatabase(relay, (db) => {
      db.prepare('UPDATE devices SET registered_with_credential = NULL WHERE id = ?').run(device);
      db.prepare('UPDATE sessions SET passkey_id = NULL WHERE id = ?').run(sessionOf(second));
    });
    const refused = await ask(second, registration(keys, 'old laptop'));
    expect(refused.reply).toMatchObject({ t: 'error', code: 'BAD_KEY_RECORD' });
    refused.socket.close();
  });
});
