import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { appendSecurityEvent } from '../audit/recordSecurityEvent.js';
import { createAuditReader } from '../audit/createAuditReader.js';
import { createGroupCommit } from '../mailbox/createGroupCommit.js';
import { createMailboxStore, type EnvelopeRow } from '../mailbox/createMailboxStore.js';
import { createSqliteWriteStore } from './createSqliteWriteStore.js';
import { openDatabase, type OpenDatabase } from './openDatabase.js';
import {
  changes,
  first,
  reusableStatement,
  rows,
  WriteNestingError,
  type WriteStore,
} from './WriteStore.js';
import { pino } from 'pino';

const POLICY = { deadlineMs: 1500, firstDelayMs: 10, maxDelayMs: 50 };

class Refused extends Error {}

describe('createSqliteWriteStore', () => {
  let dir: string;
  let database: OpenDatabase;
  let writes: WriteStore;
  let locker: SQLite.Database;

  const meta = (key: string) =>
    database.sqlite
      .prepare<[string], { value: string }>('SELECT value FROM relay_meta WHERE key = ?')
      .get(key)?.value;
  const put = (key: string, value: string) =>
    changes(database.db.insertInto('relay_meta').values({ key, value }));

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vaultroom-writes-'));
    database = await openDatabase(dir);
    writes = createSqliteWriteStore(database.sqlite, database.db, POLICY);
    locker = new SQLite(path.join(dir, 'relay.db'), { timeout: 0 });
  });

  afterEach(async () => {
    if (locker.inTransaction) locker.prepare('ROLLBACK').run();
    locker.close();
    await database.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('runs an operation in one transaction, returns its result, then runs its after-commit effects', async () => {
    const seen: string[] = [];
    const result = await writes.write(function* (tx) {
      yield* put('a', '1');
      tx.afterCommit(() => seen.push(`after commit: a=${meta('a') ?? 'none'}`));
      const row = yield* first(
        tx.db.selectFrom('relay_meta').select('value').where('key', '=', 'a'),
      );
      seen.push(`inside: open=${String(database.sqlite.inTransaction)}`);
      return row?.value;
    });
    expect(result).toBe('1');
    expect(seen).toEqual(['inside: open=true', 'after commit: a=1']);
    expect(database.sqlite.inTransaction).toBe(false);
  });

  it('rolls the operation back whole, its audit event included, when a later statement fails', async () => {
    await writes.write(() => put('taken', 'x'));
    const effects: string[] = [];
    await expect(
      writes.write(function* (tx) {
        yield* put('action', 'done');
        yield* appendSecurityEvent(tx, { type: 'session_created', outcome: 'success' });
        tx.afterCommit(() => effects.push('ran'));
        yield* put('taken', 'again'); // a primary key conflict
      }),
    ).rejects.toMatchObject({ code: 'SQLITE_CONSTRAINT_PRIMARYKEY' });
    expect(meta('action')).toBeUndefined();
    expect(await createAuditReader(database.db).size()).toBe(0);
    expect(effects).toEqual([]);
  });

  it('hands a failed statement to the operation, which may handle it like a rejected await', async () => {
    await writes.write(() => put('taken', 'x'));
    const outcome = await writes.write(function* (tx) {
      try {
        yield* put('taken', 'again');
        return 'inserted';
      } catch {
        yield* changes(
          tx.db.updateTable('relay_meta').set({ value: 'updated' }).where('key', '=', 'taken'),
        );
        return 'updated';
      }
    });
    expect(outcome).toBe('updated');
    expect(meta('taken')).toBe('updated');
  });

  it('reuses a compiled statement with each call’s own values, and refuses one with a fixed value', async () => {
    const insert = reusableStatement((db, row: { value: string; key: string }) =>
      db.insertInto('relay_meta').values({ value: row.value, key: row.key }),
    );
    await writes.write(function* (tx) {
      yield* changes(insert(tx.db, { key: 'one', value: '1' }));
      yield* changes(insert(tx.db, { value: '2', key: 'two' }));
    });
    expect([meta('one'), meta('two')]).toEqual(['1', '2']);
    const fixed = reusableStatement((db, row: { key: string }) =>
      db.insertInto('relay_meta').values({ key: row.key, value: 'always this' }),
    );
    expect(() => fixed(database.db, { key: 'three' })).toThrow(TypeError);
  });

  it('refuses an operation started inside another, which would nest as a savepoint', async () => {
    let inner: Promise<unknown> = Promise.resolve();
    await expect(
      writes.write(function* () {
        yield* put('outer', '1');
        inner = writes.write(() => put('inner', '1'));
      }),
    ).rejects.toBeInstanceOf(WriteNestingError);
    await expect(inner).rejects.toBeInstanceOf(WriteNestingError);
    expect(meta('outer')).toBeUndefined();
    expect(meta('inner')).toBeUndefined();
  });

  it('waits out another process’s lock from timers, then runs the operation from the start', async () => {
    locker.prepare('BEGIN IMMEDIATE').run();
    setTimeout(() => locker.prepare('COMMIT').run(), 300);
    let attempts = 0;
    let ticks = 0;
    const timer = setInterval(() => (ticks += 1), 5);
    try {
      await writes.write(function* () {
        attempts += 1;
        yield* put('after', 'the lock');
      });
    } finally {
      clearInterval(timer);
    }
    expect(meta('after')).toBe('the lock');
    expect(attempts).toBe(1); // BEGIN IMMEDIATE met the lock before the operation began
    // 300 ms at one tick per 5 ms: a loop blocked for the whole wait would count none.
    expect(ticks).toBeGreaterThan(15);
  });

  it('gives up at the deadline with SQLite’s lock error, and stores nothing', async () => {
    locker.prepare('BEGIN IMMEDIATE').run();
    const started = Date.now();
    await expect(writes.write(() => put('never', 'x'))).rejects.toMatchObject({
      code: 'SQLITE_BUSY',
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(1400);
    locker.prepare('ROLLBACK').run();
    expect(meta('never')).toBeUndefined();
  });

  it('never holds a transaction open while the event loop runs a group commit', async () => {
    // What an await inside an operation used to allow: a group commit fired from a timer while a
    // transaction was open would have become its savepoint, acked to senders and then rolled back
    // with it. Operations here take many statements and the group commit keeps firing; every
    // commit must find the connection free and its envelopes must survive the failed operations.
    await database.db
      .insertInto('accounts')
      .values({
        id: 'acct',
        handle: 'ada',
        handle_key: 'ada',
        display_name: 'Ada',
        role: 'member',
        status: 'active',
        webauthn_user_id: Buffer.alloc(32),
        created_at: new Date().toISOString(),
        recovery_notice_at: null,
      })
      .execute();
    await database.db
      .insertInto('devices')
      .values({
        id: 'bob',
        account_id: 'acct',
        name: 'bob',
        signing_key: Buffer.alloc(32, 1),
        dh_key: Buffer.alloc(32, 2),
        dh_signature: Buffer.alloc(64, 3),
        created_at: 0,
        last_seen_at: null,
        revoked_at: null,
      })
      .execute();
    const store = createMailboxStore(database.sqlite);
    const nestedCommits: boolean[] = [];
    const observed = {
      ...store,
      commit: (batch: readonly EnvelopeRow[], acked: ReadonlyMap<string, readonly string[]>) => {
        nestedCommits.push(database.sqlite.inTransaction);
        return store.commit(batch, acked);
      },
    };
    let done = 0;
    const commit = createGroupCommit({
      store: observed,
      log: pino({ level: 'silent' }),
      onDropped: () => undefined,
      windowMs: 0,
    });
    const operations: Promise<unknown>[] = [];
    for (let n = 0; n < 50; n++) {
      commit.add(
        {
          id: `e${n}`,
          recipientDeviceId: 'bob',
          senderDeviceId: 'bob',
          msgId: new Uint8Array(16).fill(n),
          body: new Uint8Array(8),
          acceptedAt: n,
          expiresAt: Number.MAX_SAFE_INTEGER,
        },
        { envelopeDone: () => (done += 1), refuse: () => undefined },
      );
      operations.push(
        writes
          .write(function* (tx) {
            for (let i = 0; i < 20; i++) yield* put(`op${n}-${i}`, 'x');
            yield* appendSecurityEvent(tx, { type: 'session_created', outcome: 'success' });
            yield* rows(tx.db.selectFrom('relay_meta').select('key'));
            throw new Refused('the operation fails after its writes');
          })
          .catch((error: unknown) => error),
      );
      await new Promise((resolve) => setImmediate(resolve));
    }
    const outcomes = await Promise.all(operations);
    await commit.stop();
    expect(outcomes.every((outcome) => outcome instanceof Refused)).toBe(true);
    expect(nestedCommits.length).toBeGreaterThan(0);
    expect(nestedCommits.every((nested) => !nested)).toBe(true);
    expect(done).toBe(50);
    expect(await store.count('bob', 0)).toBe(50);
    expect(await createAuditReader(database.db).size()).toBe(0);
  });
});
