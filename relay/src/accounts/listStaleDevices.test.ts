import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type OpenDatabase } from '../db/openDatabase.js';
import type { AccountsContext } from './AccountsContext.js';
import { createRateLimiter } from '../limits/createRateLimiter.js';
import { listStaleDevices } from './listStaleDevices.js';

const DAY = 86_400_000;
const NOW = Date.parse('2026-06-01T00:00:00Z');

describe('stale devices', () => {
  let dataDir: string;
  let database: OpenDatabase;
  let ctx: AccountsContext;
  let keyByte = 0;

  beforeEach(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vaultroom-stale-'));
    database = await openDatabase(dataDir);
    ctx = {
      db: database.db,
      writes: database.writes,
      settings: {
        rpName: 'VaultRoom',
        rpId: 'vaultroom.local',
        origins: () => ['https://vaultroom.local'],
        publicOrigin: () => 'https://vaultroom.local',
        registrationMode: 'invite',
        sessionIdleMs: DAY,
        sessionMaxMs: 30 * DAY,
        challengeTtlMs: 60_000,
        retentionMs: 30 * DAY,
      },
      now: () => new Date(NOW),
      addressLimiter: createRateLimiter({ burst: 100, perMinute: 100 }),
      accountLimiter: createRateLimiter({ burst: 100, perMinute: 100 }),
      onSessionsEnded: () => undefined,
      clientTag: (address) => `tag:${address.length}`,
      log: pino({ level: 'silent' }),
    };
    for (const handle of ['Ada', 'bob']) {
      await database.db
        .insertInto('accounts')
        .values({
          id: `acct-${handle}`,
          handle,
          handle_key: handle.toLowerCase(),
          display_name: handle,
          role: 'member',
          status: 'active',
          webauthn_user_id: Buffer.from(handle.padEnd(32, '.')),
          created_at: new Date(NOW - 100 * DAY).toISOString(),
          recovery_notice_at: null,
        })
        .execute();
    }
  });

  afterEach(async () => {
    await database.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  async function device(
    id: string,
    handle: string,
    times: { created: number; seen: number | null; revoked?: number },
  ): Promise<void> {
    keyByte += 1;
    await database.db
      .insertInto('devices')
      .values({
        id,
        account_id: `acct-${handle}`,
        name: `${id} browser`,
        signing_key: Buffer.alloc(32, keyByte),
        dh_key: Buffer.alloc(32, keyByte),
        dh_signature: Buffer.alloc(64, keyByte),
        created_at: times.created,
        last_seen_at: times.seen,
        revoked_at: times.revoked ?? null,
      })
      .execute();
  }

  async function envelope(to: string, bytes: number): Promise<void> {
    keyByte += 1;
    await database.db
      .insertInto('envelopes')
      .values({
        id: `env-${String(keyByte)}`,
        recipient_device_id: to,
        sender_device_id: 'someone',
        msg_id: Buffer.alloc(16, keyByte),
        body: Buffer.alloc(bytes, 7),
        accepted_at: NOW - DAY,
        expires_at: NOW + 29 * DAY,
      })
      .execute();
  }

  it('lists devices unseen for the retention period, longest first, with what waits for them', async () => {
    await device('fresh', 'Ada', { created: NOW - 90 * DAY, seen: NOW - 29 * DAY });
    await device('gone', 'Ada', { created: NOW - 90 * DAY, seen: NOW - 31 * DAY });
    await device('never', 'bob', { created: NOW - 60 * DAY, seen: null });
    await device('new', 'bob', { created: NOW - DAY, seen: null });
    await device('revoked', 'bob', { created: NOW - 90 * DAY, seen: null, revoked: NOW - DAY });
    await envelope('gone', 1000);
    await envelope('gone', 24);
    await envelope('fresh', 5);
    await envelope('revoked', 5);

    expect(await listStaleDevices(ctx)).toEqual({
      retentionDays: 30,
      devices: [
        {
          id: 'never',
          handle: 'bob',
          name: 'never browser',
          createdAt: new Date(NOW - 60 * DAY).toISOString(),
          lastSeenAt: null,
          envelopes: 0,
          bytes: 0,
        },
        {
          id: 'gone',
          handle: 'Ada',
          name: 'gone browser',
          createdAt: new Date(NOW - 90 * DAY).toISOString(),
          lastSeenAt: new Date(NOW - 31 * DAY).toISOString(),
          envelopes: 2,
          bytes: 1024,
        },
      ],
    });
  });

  it('lists nothing when every device connected within the period', async () => {
    await device('fresh', 'Ada', { created: NOW - 90 * DAY, seen: NOW - 30 * DAY + 1 });
    expect((await listStaleDevices(ctx)).devices).toEqual([]);
  });
});
