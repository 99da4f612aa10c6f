import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type OpenDatabase } from '../db/openDatabase.js';
import type { AccountsContext } from './AccountsContext.js';
import { createRateLimiter } from '../limits/createRateLimiter.js';
import { authenticateSession, createSession } from './sessions.js';
import { transact } from './transact.js';

const HOUR = 3_600_000;

describe('session lifetime', () => {
  let dataDir: string;
  let database: OpenDatabase;
  let clock: number;
  let ended: string[];
  let ctx: AccountsContext;

  beforeEach(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vaultroom-sessions-'));
    database = await openDatabase(dataDir);
    clock = Date.parse('2026-01-01T00:00:00Z');
    ended = [];
    ctx = {
      db: database.db,
      writes: database.writes,
      settings: {
        rpName: 'VaultRoom',
        rpId: 'vaultroom.local',
        origins: () => ['https://vaultroom.local'],
        publicOrigin: () => 'https://vaultroom.local',
        registrationMode: 'invite',
        sessionIdleMs: 24 * HOUR,
        sessionMaxMs: 72 * HOUR,
        challengeTtlMs: 60_000,
        retentionMs: 30 * 24 * HOUR,
      },
      now: () => new Date(clock),
      addressLimiter: createRateLimiter({ burst: 100, perMinute: 100 }),
      accountLimiter: createRateLimiter({ burst: 100, perMinute: 100 }),
      onSessionsEnded: (ids) => ended.push(...ids),
      clientTag: (address) => `tag:${address.length}`,
      log: pino({ level: 'silent' }),
    };
    await database.db
      .insertInto('accounts')
      .values({
        id: 'acct',
        handle: 'ada',
        handle_key: 'ada',
        display_name: 'Ada',
        role: 'member',
        status: 'active',
        webauthn_user_id: Buffer.alloc(32, 1),
        created_at: new Date(clock).toISOString(),
        recovery_notice_at: null,
      })
      .execute();
  });

  afterEach(async () => {
    await database.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  async function newCookie(): Promise<string> {
    const setCookie = await transact(ctx, (tx) =>
      createSession(ctx, tx, 'acct', null, { address: '127.0.0.1', userAgent: 'test' }),
    );
    return setCookie.split(';')[0] ?? '';
  }

  async function expiryEvents(): Promise<string[]> {
    const rows = await database.db
      .selectFrom('audit_events')
      .select('details')
      .where('type', '=', 'session_expired')
      .execute();
    return rows.map((row) => row.details);
  }

  it('stores only a hash of the token', async () => {
    const cookie = await newCookie();
    const token = cookie.split('=')[1] ?? '';
    const row = await database.db
      .selectFrom('sessions')
      .select('token_hash')
      .executeTakeFirstOrThrow();
    expect(row.token_hash).not.toContain(token);
    expect(row.token_hash).toHaveLength(43);
  });

  it('ends a session left unused past the idle limit', async () => {
    const cookie = await newCookie();
    clock += 23 * HOUR;
    expect(await authenticateSession(ctx, cookie)).toMatchObject({ accountId: 'acct' });
    clock += 23 * HOUR; // activity at 23 h moved the idle deadline
    expect(await authenticateSession(ctx, cookie)).not.toBeNull();
    clock += 24 * HOUR;
    expect(await authenticateSession(ctx, cookie)).toBeNull();
    expect(ended).toHaveLength(1);
    expect(await expiryEvents()).toEqual([JSON.stringify({ reason: 'idle' })]);
    clock -= 24 * HOUR; // an ended session stays ended
    expect(await authenticateSession(ctx, cookie)).toBeNull();
  });

  it('ends a session at its absolute limit however active it is', async () => {
    const cookie = await newCookie();
    for (let hours = 12; hours < 72; hours += 12) {
      clock = Date.parse('2026-01-01T00:00:00Z') + hours * HOUR;
      expect(await authenticateSession(ctx, cookie), `${hours} h`).not.toBeNull();
    }
    clock = Date.parse('2026-01-01T00:00:00Z') + 72 * HOUR;
    expect(await authenticateSession(ctx, cookie)).toBeNull();
    expect(await expiryEvents()).toEqual([JSON.stringify({ reason: 'absolute' })]);
  });

  it("ends with the account: a disabled account's session is refused", async () => {
    const cookie = await newCookie();
    await database.db.updateTable('accounts').set({ status: 'disabled' }).execute();
    expect(await authenticateSession(ctx, cookie)).toBeNull();
  });
});
