import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import webpush from 'web-push';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decryptPush, newSubscriber, type TestSubscriber } from '../../test/localPushService.js';
import { openDatabase, type OpenDatabase } from '../db/openDatabase.js';
import { createPushNotifier, type PushNotifier } from './createPushNotifier.js';
import type { PushRequest } from './postPushMessage.js';
import { findSubscription, saveSubscription } from './pushSubscriptions.js';

const INTERVAL_MS = 300;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('createPushNotifier', () => {
  let dataDir: string;
  let database: OpenDatabase;
  let notifier: PushNotifier;
  let subscriber: TestSubscriber;
  let sent: { at: number; payload: unknown; ttl: unknown }[];
  let answer: number;
  let connected: boolean;
  const isConnected = () => connected;

  async function addAccount(id: string, handle: string): Promise<void> {
    await database.db
      .insertInto('accounts')
      .values({
        id,
        handle,
        handle_key: handle.toLowerCase(),
        display_name: handle,
        role: 'member',
        status: 'active',
        webauthn_user_id: Buffer.from(id.padEnd(32, '.')),
        created_at: new Date().toISOString(),
        recovery_notice_at: null,
      })
      .execute();
  }

  beforeEach(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vaultroom-push-'));
    database = await openDatabase(dataDir);
    await addAccount('acct-ada', 'Ada');
    await addAccount('acct-bo', 'bo');
    await addAccount('acct-cy', 'cy');
    const now = new Date().toISOString();
    await database.db
      .insertInto('sessions')
      .values({
        id: 'sess-ada',
        token_hash: 'hash',
        account_id: 'acct-ada',
        passkey_id: null,
        user_agent: 'test',
        created_at: now,
        last_seen_at: now,
        absolute_expires_at: Date.now() + 3_600_000,
        ended_at: null,
        end_reason: null,
      })
      .execute();
    await database.db
      .insertInto('devices')
      .values({
        id: 'dev-ada',
        account_id: 'acct-ada',
        name: 'phone',
        signing_key: Buffer.alloc(32, 7),
        dh_key: Buffer.alloc(32, 8),
        dh_signature: Buffer.alloc(64, 9),
        created_at: Date.now(),
        last_seen_at: null,
        revoked_at: null,
      })
      .execute();
    subscriber = newSubscriber();
    await database.writes.write((tx) =>
      saveSubscription(tx, {
        deviceId: 'dev-ada',
        accountId: 'acct-ada',
        sessionId: 'sess-ada',
        endpoint: 'https://push.example.com/send/ada',
        p256dh: subscriber.publicKey.toString('base64url'),
        auth: subscriber.auth.toString('base64url'),
        showSender: true,
        createdAt: Date.now(),
      }),
    );
    sent = [];
    answer = 201;
    connected = false;
    notifier = createPushNotifier({
      db: database.db,
      writes: database.writes,
      log: pino({ level: 'silent' }),
      now: () => Date.now(),
      vapid: webpush.generateVAPIDKeys(),
      subject: 'https://vaultroom.local',
      intervalMs: INTERVAL_MS,
      // A 30-day retention: more than push services keep a message.
      ttlSeconds: 30 * 86_400,
      allowPrivate: false,
      // The endpoint's host does not resolve here: the notifier checks it through this instead.
      lookup: () => Promise.resolve([{ address: '142.250.74.42', family: 4 }]),
      post: (_endpoint, request: PushRequest) => {
        const body = request.body ?? Buffer.alloc(0);
        sent.push({
          at: Date.now(),
          payload: JSON.parse(decryptPush(subscriber, body).toString('utf8')),
          ttl: request.headers['TTL'],
        });
        return Promise.resolve({ status: answer });
      },
    });
  });

  afterEach(async () => {
    notifier.stop();
    await database.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('pushes the first envelope at once and the rest of an interval as one push with their count', async () => {
    notifier.storedForOffline('dev-ada', 'acct-bo', isConnected);
    await sleep(100);
    for (let i = 0; i < 5; i += 1) notifier.storedForOffline('dev-ada', 'acct-bo', isConnected);
    await sleep(INTERVAL_MS + 150);
    expect(sent.map((push) => push.payload)).toEqual([
      { count: 1, from: 'bo' },
      { count: 5, from: 'bo' },
    ]);
    // The five stored 100 ms after the first waited for the interval: a notifier that pushed them
    // at once would put about 100 ms between the two. Not INTERVAL_MS exactly: the first push is
    // sent after its encryption, which a loaded machine can delay by tens of milliseconds.
    expect((sent[1]?.at ?? 0) - (sent[0]?.at ?? 0)).toBeGreaterThanOrEqual(INTERVAL_MS / 2 + 20);
    // The retention, capped at the four weeks that Google's push service accepts.
    expect(sent.map((push) => push.ttl)).toEqual([28 * 86_400, 28 * 86_400]);
  });

  it('names no one when several accounts wrote', async () => {
    notifier.storedForOffline('dev-ada', 'acct-bo', isConnected);
    notifier.storedForOffline('dev-ada', 'acct-cy', isConnected);
    await sleep(100);
    expect(sent.map((push) => push.payload)).toEqual([{ count: 2 }]);
  });

  it('announces nothing from the account’s own devices', async () => {
    notifier.storedForOffline('dev-ada', 'acct-ada', isConnected);
    notifier.storedForOffline('dev-ada', 'acct-ada', isConnected);
    await sleep(100);
    expect(sent).toEqual([]);
    notifier.storedForOffline('dev-ada', 'acct-bo', isConnected);
    await sleep(100);
    expect(sent.map((push) => push.payload)).toEqual([{ count: 1, from: 'bo' }]);
  });

  it('sends nothing to a device that connected before the push was due', async () => {
    notifier.storedForOffline('dev-ada', 'acct-bo', isConnected);
    await sleep(100);
    notifier.storedForOffline('dev-ada', 'acct-bo', isConnected);
    connected = true;
    await sleep(INTERVAL_MS + 100);
    expect(sent).toHaveLength(1);
  });

  it('forgets a subscription the push service says is gone, and sends to it no more', async () => {
    answer = 410;
    notifier.storedForOffline('dev-ada', 'acct-bo', isConnected);
    await sleep(100);
    expect(sent).toHaveLength(1);
    expect(await findSubscription(database.db, 'dev-ada')).toBeNull();
    await sleep(INTERVAL_MS);
    notifier.storedForOffline('dev-ada', 'acct-bo', isConnected);
    await sleep(100);
    expect(sent).toHaveLength(1);
  });

  it('sends nothing once the session that subscribed has ended', async () => {
    await database.db
      .updateTable('sessions')
      .set({ ended_at: new Date().toISOString(), end_reason: 'signed-out' })
      .execute();
    notifier.storedForOffline('dev-ada', 'acct-bo', isConnected);
    await sleep(100);
    expect(sent).toEqual([]);
  });
});
