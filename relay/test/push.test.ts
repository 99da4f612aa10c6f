import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type {
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
} from '@simplewebauthn/server';
import { PUSH_API, PUSH_SUBSCRIPTIONS_PER_ACCOUNT } from '@vaultroom/shared';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from './apiClient.js';
import type { DeviceSocket } from './deviceSocket.js';
import { connect, enrol } from './enrolDevice.js';
import {
  decryptPush,
  newSubscriber,
  startLocalPushService,
  verifyVapid,
  type LocalPushService,
  type ReceivedPush,
  type TestSubscriber,
} from './localPushService.js';
import { startRelayProcess, type RelayProcess } from './relayProcess.js';
import { SoftAuthenticator } from './softAuthenticator.js';

/*
 * Web Push against a local RFC 8030 push service on 127.0.0.1 (so the relay runs with
 * VAULTROOM_PUSH_ALLOW_PRIVATE, and trusts the service's certificate through NODE_EXTRA_CA_CERTS).
 * The test plays the browser: it holds the subscription's private key and decrypts what arrives.
 */

/** The coalescing interval of the relay under test; PUSH_TEST_INTERVAL_SECONDS=60 for the real one. */
const INTERVAL_SECONDS = Number(process.env['PUSH_TEST_INTERVAL_SECONDS'] ?? '2');
/** Over how long the 100 envelopes of the coalescing test are spread (PUSH_TEST_SPREAD_MS). */
const SPREAD_MS = Number(process.env['PUSH_TEST_SPREAD_MS'] ?? '0');
/** Shorter than the four weeks push services keep a message, so the TTL is the retention itself. */
const RETENTION_DAYS = 7;

interface Person {
  readonly client: ApiClient;
  readonly key: SoftAuthenticator;
}

async function signUpWithKey(relay: RelayProcess, invite: string, handle: string): Promise<Person> {
  const client = new ApiClient(relay);
  const key = new SoftAuthenticator({ origin: client.origin });
  const begin = await client.request('POST', '/api/registration/options', {
    invite: new URL(invite).hash.replace('#invite=', ''),
    handle,
    displayName: handle,
  });
  const done = await client.request('POST', '/api/registration/verify', {
    ceremonyId: begin.body['ceremonyId'],
    response: key.register(begin.body['options'] as PublicKeyCredentialCreationOptionsJSON),
  });
  expect(done.status).toBe(201);
  return { client, key };
}

/** A new session of the same account, as another browser signing in. */
async function signIn(relay: RelayProcess, key: SoftAuthenticator): Promise<ApiClient> {
  const client = new ApiClient(relay);
  const begin = await client.request('POST', '/api/sign-in/options', {});
  const done = await client.request('POST', '/api/sign-in/verify', {
    ceremonyId: begin.body['ceremonyId'],
    response: key.authenticate(begin.body['options'] as PublicKeyCredentialRequestOptionsJSON),
  });
  expect(done.status).toBe(200);
  return client;
}

async function inviteLink(admin: ApiClient): Promise<string> {
  const invite = await admin.request('POST', '/api/invites', {
    role: 'member',
    maxUses: 1,
    expiresInHours: 1,
  });
  return String(invite.body['link']);
}

/** A signed-in browser with a registered device, not connected. */
async function deviceOf(relay: RelayProcess, client: ApiClient, name: string): Promise<string> {
  const socket = await connect(relay, client, null);
  const device = await enrol(socket, name, 1);
  socket.close();
  await socket.closed;
  return device.id;
}

function subscriptionBody(endpoint: string, subscriber: TestSubscriber, showSender: boolean) {
  return {
    endpoint,
    keys: {
      p256dh: subscriber.publicKey.toString('base64url'),
      auth: subscriber.auth.toString('base64url'),
    },
    showSender,
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor<T>(probe: () => T | undefined, timeoutMs = 10_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error('timed out waiting');
    await sleep(25);
  }
}

function payloadOf(subscriber: TestSubscriber, push: ReceivedPush): unknown {
  return JSON.parse(decryptPush(subscriber, push.body).toString('utf8'));
}

describe('Web Push from a real relay to a local push service', () => {
  let service: LocalPushService;
  let relay: RelayProcess;
  let alice: Person;
  let bob: Person;
  let aliceSocket: DeviceSocket;
  let bobDevice: string;
  let relayKey: string;
  const bobSubscriber = newSubscriber();
  const bobEndpoint = () => `${service.origin}/push/bob`;
  const pushesTo = (suffix: string) =>
    service.received.filter((push) => push.path === `/push/${suffix}`);

  async function send(device: string): Promise<void> {
    const sent = await aliceSocket.request({
      t: 'send',
      id: aliceSocket.id(),
      msg: new Uint8Array(randomBytes(16)),
      to: [{ device, body: new Uint8Array(200) }],
    });
    expect(sent.t).toBe('sent');
  }

  /** Waits out the coalescing interval, so the next envelope is pushed at once. */
  const quiet = () => sleep(INTERVAL_SECONDS * 1000 + 300);

  beforeAll(async () => {
    service = await startLocalPushService();
    relay = await startRelayProcess({
      env: {
        NODE_EXTRA_CA_CERTS: service.caFile,
        VAULTROOM_PUSH_ALLOW_PRIVATE: 'true',
        VAULTROOM_PUSH_INTERVAL_SECONDS: String(INTERVAL_SECONDS),
        VAULTROOM_RETENTION_DAYS: String(RETENTION_DAYS),
        VAULTROOM_AUTH_RATE_PER_MINUTE: '1000',
      },
    });
    alice = await signUpWithKey(relay, relay.adminInvite() ?? '', 'alice');
    bob = await signUpWithKey(relay, await inviteLink(alice.client), 'bob');
    aliceSocket = await connect(relay, alice.client, null);
    await enrol(aliceSocket, 'Alice laptop', 1);
    bobDevice = await deviceOf(relay, bob.client, 'Bob phone');
  });

  afterAll(async () => {
    aliceSocket.close();
    await relay.stop();
    await service.close();
    fs.rmSync(relay.dataDir, { recursive: true, force: true });
  });

  it('makes its VAPID key pair on first start, keeps it owner-only in the data directory, and never logs it', async () => {
    const status = await bob.client.request('GET', PUSH_API.push);
    expect(status.status).toBe(200);
    expect(status.body).toMatchObject({ available: true, subscription: null });
    relayKey = String(status.body['publicKey']);
    const point = Buffer.from(relayKey, 'base64url');
    expect(point.byteLength).toBe(65);
    expect(point[0]).toBe(0x04);

    const file = path.join(relay.dataDir, 'push', 'vapid.json');
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    const stored = JSON.parse(fs.readFileSync(file, 'utf8')) as { privateKey: string };
    expect(stored.privateKey).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const output = JSON.stringify(relay.logs) + relay.stderr();
    expect(output).not.toContain(stored.privateKey);
  });

  it('pushes once to an offline device: a VAPID JWT for the push service, a TTL of the retention, a payload that decrypts to a count only', async () => {
    const subscribed = await bob.client.request(
      'POST',
      PUSH_API.subscription,
      subscriptionBody(bobEndpoint(), bobSubscriber, false),
    );
    expect(subscribed.status).toBe(204);
    expect((await bob.client.request('GET', PUSH_API.push)).body['subscription']).toEqual({
      endpoint: bobEndpoint(),
      showSender: false,
    });

    await send(bobDevice);
    const push = await waitFor(() => pushesTo('bob')[0]);
    expect(push.headers['ttl']).toBe(String(RETENTION_DAYS * 86_400));
    expect(push.headers['urgency']).toBe('normal');
    expect(push.headers['topic']).toBe('messages');
    expect(push.headers['content-encoding']).toBe('aes128gcm');

    const claims = verifyVapid(String(push.headers['authorization']), relayKey);
    expect(claims.aud).toBe(service.origin);
    expect(claims.sub).toBe('https://vaultroom.local');
    const now = Math.floor(Date.now() / 1000);
    expect(claims.exp).toBeGreaterThan(now);
    expect(claims.exp).toBeLessThanOrEqual(now + 24 * 3600);

    const plaintext = decryptPush(bobSubscriber, push.body);
    expect(plaintext.byteLength).toBe(96);
    expect(JSON.parse(plaintext.toString('utf8'))).toEqual({ count: 1 });
    // The push service saw no handle, no device id, no ciphertext of the envelope.
    const seen = push.body.toString('latin1') + JSON.stringify(push.headers) + push.path;
    for (const secret of ['alice', 'bob"', bobDevice]) expect(seen).not.toContain(secret);
  });

  it('names the sender only where the person chose to see who wrote', async () => {
    await bob.client.request(
      'POST',
      PUSH_API.subscription,
      subscriptionBody(bobEndpoint(), bobSubscriber, true),
    );
    await quiet();
    const before = pushesTo('bob').length;
    await send(bobDevice);
    const push = await waitFor(() => pushesTo('bob')[before]);
    const payload = payloadOf(bobSubscriber, push);
    expect(payload).toEqual({ count: 1, from: 'alice' });
    expect(decryptPush(bobSubscriber, push.body).byteLength).toBe(96);
  });

  it('sends nothing to a device that is connected', async () => {
    await quiet();
    const before = pushesTo('bob').length;
    const bobSocket = await connect(relay, bob.client, bobDevice);
    for (let i = 0; i < 3; i += 1) await send(bobDevice);
    await quiet();
    expect(pushesTo('bob').length).toBe(before);
    bobSocket.close();
    await bobSocket.closed;
  });

  it(
    'coalesces: 100 envelopes to an offline device make one push per interval, with the count of all',
    async () => {
      await bob.client.request(
        'POST',
        PUSH_API.subscription,
        subscriptionBody(bobEndpoint(), bobSubscriber, false),
      );
      await quiet();
      const before = pushesTo('bob').length;
      const started = Date.now();
      for (let i = 0; i < 100; i += 1) {
        await send(bobDevice);
        if (SPREAD_MS > 0) await sleep(SPREAD_MS / 100);
      }
      const elapsed = Date.now() - started;
      await sleep(INTERVAL_SECONDS * 1000 + 1000);
      const pushes = pushesTo('bob').slice(before);
      const counts = pushes.map(
        (push) => (payloadOf(bobSubscriber, push) as { count: number }).count,
      );
      const bound = 1 + Math.ceil(elapsed / (INTERVAL_SECONDS * 1000));
      console.info(
        `push coalescing: 100 envelopes in ${elapsed} ms, interval ${INTERVAL_SECONDS} s: ${pushes.length} pushes, counts [${counts.join(', ')}]`,
      );
      expect(counts.reduce((a, b) => a + b, 0)).toBe(100);
      expect(pushes.length).toBeLessThanOrEqual(bound);
      for (let i = 1; i < pushes.length; i += 1) {
        const gap = (pushes[i]?.at ?? 0) - (pushes[i - 1]?.at ?? 0);
        expect(gap).toBeGreaterThanOrEqual(INTERVAL_SECONDS * 1000 - 50);
      }
    },
    SPREAD_MS + INTERVAL_SECONDS * 3000 + 30_000,
  );

  it('removes the subscription when the push service answers 410 Gone', async () => {
    await quiet();
    service.mode = 'gone';
    const before = pushesTo('bob').length;
    await send(bobDevice);
    await waitFor(() => pushesTo('bob')[before]);
    await waitFor(() => relay.logs.find((log) => log['msg'] === 'push subscription gone: removed'));
    const status = await bob.client.request('GET', PUSH_API.push);
    expect(status.body['subscription']).toBeNull();
    service.mode = 'created';
    await quiet();
    await send(bobDevice);
    await quiet();
    expect(pushesTo('bob').length).toBe(before + 1);
  });

  it('follows no redirect, reads a bounded answer, and gives up on a silent service', async () => {
    await bob.client.request(
      'POST',
      PUSH_API.subscription,
      subscriptionBody(bobEndpoint(), bobSubscriber, false),
    );
    const warnings = (code: string) =>
      relay.logs.filter((log) => log['msg'] === 'could not send a push' && log['code'] === code);

    service.mode = 'redirect';
    await quiet();
    await send(bobDevice);
    await waitFor(() =>
      relay.logs.find(
        (log) => log['msg'] === 'the push service refused a push' && log['status'] === 307,
      ),
    );
    await sleep(500);
    expect(service.received.some((push) => push.path === '/redirected')).toBe(false);

    service.mode = 'huge';
    await quiet();
    await send(bobDevice);
    await waitFor(() => warnings('PUSH_REJECTED')[0]);

    service.mode = 'silent';
    await quiet();
    const sentAt = Date.now();
    await send(bobDevice);
    await waitFor(() => warnings('PUSH_TIMEOUT')[0], 15_000);
    const waited = Date.now() - sentAt;
    expect(waited).toBeGreaterThanOrEqual(9_500);
    expect(waited).toBeLessThan(13_000);
    service.mode = 'created';
  }, 40_000);

  it('removes a device’s subscription when it signs out or is revoked', async () => {
    const database = () => new Database(path.join(relay.dataDir, 'relay.db'), { readonly: true });
    const subscriptionsOf = (device: string) => {
      const db = database();
      try {
        const row = db
          .prepare('SELECT count(*) AS n FROM push_subscriptions WHERE device_id = ?')
          .get(device) as { n: number };
        return row.n;
      } finally {
        db.close();
      }
    };

    const laptop = await signIn(relay, bob.key);
    const laptopDevice = await deviceOf(relay, laptop, 'Bob laptop');
    const laptopSubscriber = newSubscriber();
    await laptop.request(
      'POST',
      PUSH_API.subscription,
      subscriptionBody(`${service.origin}/push/laptop`, laptopSubscriber, false),
    );
    expect(subscriptionsOf(laptopDevice)).toBe(1);
    expect((await laptop.request('POST', '/api/sign-out', {})).status).toBeLessThan(300);
    await waitFor(() => (subscriptionsOf(laptopDevice) === 0 ? true : undefined));
    await send(laptopDevice);
    await quiet();
    expect(pushesTo('laptop')).toEqual([]);

    const tablet = await signIn(relay, bob.key);
    const tabletDevice = await deviceOf(relay, tablet, 'Bob tablet');
    await tablet.request(
      'POST',
      PUSH_API.subscription,
      subscriptionBody(`${service.origin}/push/tablet`, newSubscriber(), false),
    );
    expect(subscriptionsOf(tabletDevice)).toBe(1);
    const phone = await connect(relay, bob.client, bobDevice);
    const revoked = await phone.request({
      t: 'revoke-device',
      id: phone.id(),
      device: tabletDevice,
    });
    expect(revoked.t).toBe('done');
    phone.close();
    await phone.closed;
    await waitFor(() => (subscriptionsOf(tabletDevice) === 0 ? true : undefined));
  });

  it('caps the devices one account may subscribe (PUSH_SUBSCRIPTIONS_PER_ACCOUNT)', async () => {
    const carol = await signUpWithKey(relay, await inviteLink(alice.client), 'carol');
    const sessions = [carol.client];
    for (let i = 1; i <= PUSH_SUBSCRIPTIONS_PER_ACCOUNT; i += 1) {
      sessions.push(await signIn(relay, carol.key));
    }
    const answers: number[] = [];
    for (const [i, session] of sessions.entries()) {
      await deviceOf(relay, session, `Carol device ${i}`);
      const answer = await session.request(
        'POST',
        PUSH_API.subscription,
        subscriptionBody(`${service.origin}/push/carol-${i}`, newSubscriber(), false),
      );
      answers.push(answer.status);
      if (answer.status !== 204) expect(answer.body.error?.code).toBe('CONFLICT');
    }
    expect(answers).toEqual([...Array<number>(PUSH_SUBSCRIPTIONS_PER_ACCOUNT).fill(204), 409]);
  }, 60_000);
});

describe('push endpoint rules on a relay without VAULTROOM_PUSH_ALLOW_PRIVATE', () => {
  let relay: RelayProcess;
  let person: Person;

  beforeAll(async () => {
    relay = await startRelayProcess({ env: { VAULTROOM_AUTH_RATE_PER_MINUTE: '1000' } });
    person = await signUpWithKey(relay, relay.adminInvite() ?? '', 'dave');
    await deviceOf(relay, person.client, 'Dave phone');
  });

  afterAll(async () => {
    await relay.stop();
    fs.rmSync(relay.dataDir, { recursive: true, force: true });
  });

  const subscriber = newSubscriber();
  const attempt = (endpoint: string) =>
    person.client.request(
      'POST',
      PUSH_API.subscription,
      subscriptionBody(endpoint, subscriber, false),
    );

  it.each([
    ['plain http', 'http://push.example.com/x'],
    ['credentials in the URL', 'https://user:secret@push.example.com/x'],
    ['IPv4 loopback', 'https://127.0.0.1/x'],
    ['IPv4 loopback, another port', 'https://127.0.0.2:8443/x'],
    ['a name that resolves to loopback', 'https://localhost/x'],
    ['IPv6 loopback', 'https://[::1]/x'],
    ['IPv4-mapped IPv6 loopback', 'https://[::ffff:127.0.0.1]/x'],
    ['private 10/8', 'https://10.0.0.1/x'],
    ['private 172.16/12', 'https://172.20.1.1/x'],
    ['private 192.168/16', 'https://192.168.1.1/x'],
    ['link-local (cloud metadata)', 'https://169.254.169.254/latest/meta-data'],
    ['IPv6 link-local', 'https://[fe80::1]/x'],
    ['IPv6 unique local', 'https://[fd00::1]/x'],
    ['multicast', 'https://224.0.0.1/x'],
    ['the unspecified address', 'https://0.0.0.0/x'],
    ['a decimal IPv4 literal', 'https://2130706433/x'],
  ])('refuses %s', async (_what, endpoint) => {
    const answer = await attempt(endpoint);
    expect(answer.status).toBe(400);
    expect(answer.body.error?.code).toBe('BAD_REQUEST');
  });

  it('says push is unavailable where the push service cannot be resolved (a closed LAN)', async () => {
    const answer = await attempt('https://push.vaultroom.invalid/x');
    expect(answer.status).toBe(503);
    expect(answer.body.error?.code).toBe('PUSH_UNAVAILABLE');
  });

  it('refuses malformed keys', async () => {
    const body = subscriptionBody('https://push.example.com/x', subscriber, false);
    const answer = await person.client.request('POST', PUSH_API.subscription, {
      ...body,
      keys: { ...body.keys, auth: 'AAAA' },
    });
    expect(answer.body.error?.code).toBe('BAD_REQUEST');
  });
});

describe('a relay with push turned off', () => {
  it('says so, refuses subscriptions and makes no VAPID key', async () => {
    const relay = await startRelayProcess({ args: ['--push', 'no'] });
    try {
      const person = await signUpWithKey(relay, relay.adminInvite() ?? '', 'erin');
      await deviceOf(relay, person.client, 'Erin phone');
      const status = await person.client.request('GET', PUSH_API.push);
      expect(status.body).toEqual({ available: false, publicKey: null, subscription: null });
      const answer = await person.client.request(
        'POST',
        PUSH_API.subscription,
        subscriptionBody('https://push.example.com/x', newSubscriber(), false),
      );
      expect(answer.body.error?.code).toBe('PUSH_UNAVAILABLE');
      expect(fs.existsSync(path.join(relay.dataDir, 'push', 'vapid.json'))).toBe(false);
    } finally {
      await relay.stop();
      fs.rmSync(relay.dataDir, { recursive: true, force: true });
    }
  });
});
