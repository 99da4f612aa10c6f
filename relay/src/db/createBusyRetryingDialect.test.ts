import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createBusyRetryingDialect,
  KyselyTransactionRefused,
} from './createBusyRetryingDialect.js';
import { RELAY_BUSY_WAIT_MS, retryWhileBusy } from './retryWhileBusy.js';

interface Schema {
  notes: { id: number; text: string };
}

describe('createBusyRetryingDialect', () => {
  let dir: string;
  let sqlite: SQLite.Database;
  let locker: SQLite.Database;
  let db: Kysely<Schema>;

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vaultroom-busy-'));
    const file = path.join(dir, 'test.db');
    sqlite = new SQLite(file, { timeout: RELAY_BUSY_WAIT_MS });
    sqlite.pragma('journal_mode = WAL');
    db = new Kysely<Schema>({
      dialect: createBusyRetryingDialect(sqlite, {
        deadlineMs: 1500,
        firstDelayMs: 10,
        maxDelayMs: 50,
      }),
    });
    await sql`CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT NOT NULL)`.execute(db);
    locker = new SQLite(file, { timeout: 0 });
  });

  afterEach(async () => {
    if (locker.inTransaction) locker.prepare('ROLLBACK').run();
    locker.close();
    await db.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** Counts timer ticks while `work` runs: a blocked event loop gets none. */
  async function ticksDuring<T>(work: Promise<T>): Promise<{ ticks: number; result: T }> {
    let ticks = 0;
    const timer = setInterval(() => (ticks += 1), 5);
    try {
      return { result: await work, ticks };
    } finally {
      clearInterval(timer);
    }
  }

  it('waits out another process’s lock without holding the event loop, then writes', async () => {
    locker.prepare('BEGIN IMMEDIATE').run();
    setTimeout(() => locker.prepare('COMMIT').run(), 400);
    const started = Date.now();
    const { ticks } = await ticksDuring(
      db.insertInto('notes').values({ id: 1, text: 'after the lock' }).execute(),
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(350);
    // 400 ms at one tick per 5 ms: a loop blocked for the whole wait would count none.
    expect(ticks).toBeGreaterThan(20);
    expect(await db.selectFrom('notes').selectAll().execute()).toEqual([
      { id: 1, text: 'after the lock' },
    ]);
  });

  it('gives up at the deadline with SQLite’s own lock error, and stores nothing', async () => {
    locker.prepare('BEGIN IMMEDIATE').run();
    const started = Date.now();
    await expect(
      db.insertInto('notes').values({ id: 1, text: 'never' }).execute(),
    ).rejects.toMatchObject({ code: 'SQLITE_BUSY' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(1400);
    expect(Date.now() - started).toBeLessThan(3000);
    locker.prepare('ROLLBACK').run();
    expect(await db.selectFrom('notes').selectAll().execute()).toEqual([]);
  });

  it('refuses a Kysely transaction, which would hold the one connection across awaits', async () => {
    await expect(
      db.transaction().execute(async (trx) => {
        await trx.insertInto('notes').values({ id: 1, text: 'one' }).execute();
      }),
    ).rejects.toBeInstanceOf(KyselyTransactionRefused);
    expect(sqlite.inTransaction).toBe(false);
    expect(await db.selectFrom('notes').select('id').execute()).toEqual([]);
  });
});

describe('retryWhileBusy', () => {
  const busy = () => Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' });
  const policy = { deadlineMs: 1000, firstDelayMs: 1, maxDelayMs: 4 };

  it('does not retry other errors, a snapshot conflict, or when the caller says it is unsafe', async () => {
    let calls = 0;
    const failing = (error: Error) => () => {
      calls += 1;
      throw error;
    };
    await expect(retryWhileBusy(failing(new Error('boom')), undefined, policy)).rejects.toThrow(
      'boom',
    );
    const snapshot = Object.assign(new Error('snapshot'), { code: 'SQLITE_BUSY_SNAPSHOT' });
    await expect(retryWhileBusy(failing(snapshot), undefined, policy)).rejects.toBe(snapshot);
    await expect(retryWhileBusy(failing(busy()), () => false, policy)).rejects.toMatchObject({
      code: 'SQLITE_BUSY',
    });
    expect(calls).toBe(3);
  });

  it('retries a lock conflict until it clears', async () => {
    let calls = 0;
    const result = await retryWhileBusy(
      () => {
        calls += 1;
        if (calls < 4) throw busy();
        return 'done';
      },
      undefined,
      policy,
    );
    expect(result).toBe('done');
    expect(calls).toBe(4);
  });
});
