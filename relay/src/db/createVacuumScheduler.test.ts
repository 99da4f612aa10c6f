import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../log/createLogger.js';
import { createMailboxStore, type EnvelopeRow } from '../mailbox/createMailboxStore.js';
import { createVacuumScheduler, type VacuumScheduler } from './createVacuumScheduler.js';
import { DATABASE_FILE, openDatabase, type OpenDatabase } from './openDatabase.js';

/** Envelopes of a common size: a short text message, padded and encrypted, is about 1 KiB. */
const ENVELOPES = 20_000;
const BODY_BYTES = 1024;

/** A distinct 16-byte message id per envelope (a retried send, same id, would be stored once). */
function msgIdOf(index: number): Uint8Array<ArrayBuffer> {
  const id = new Uint8Array(16);
  new DataView(id.buffer).setUint32(0, index);
  return id;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await pause(10);
  }
}

describe('createVacuumScheduler', () => {
  let dataDir: string;
  let database: OpenDatabase;
  let scheduler: VacuumScheduler | null = null;
  let logged: Record<string, unknown>[];
  const log = () =>
    createLogger(
      'info',
      new Writable({
        write(chunk: Buffer, _encoding, done) {
          logged.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
          done();
        },
      }),
    );

  const mainFileBytes = () => fs.statSync(path.join(dataDir, DATABASE_FILE)).size;
  const pragma = (name: string) => database.sqlite.pragma(name, { simple: true }) as number;

  /** Stores `count` envelopes for one device, then acks (deletes) the share `drained` of them. */
  async function fillAndDrain(count: number, drained: number): Promise<void> {
    const store = createMailboxStore(database.sqlite);
    const rows: EnvelopeRow[] = [];
    for (let i = 0; i < count; i++) {
      rows.push({
        id: `e${i}`,
        recipientDeviceId: 'bob',
        senderDeviceId: 'alice',
        msgId: msgIdOf(i),
        body: new Uint8Array(BODY_BYTES).fill(i % 251),
        acceptedAt: 1000,
        expiresAt: 2000,
      });
    }
    for (let at = 0; at < count; at += 500) await store.commit(rows.slice(at, at + 500), new Map());
    const acked = rows.slice(0, Math.floor(count * drained)).map((row) => row.id);
    for (let at = 0; at < acked.length; at += 500) {
      await store.commit([], new Map([['bob', acked.slice(at, at + 500)]]));
    }
    database.sqlite.pragma('wal_checkpoint(PASSIVE)');
  }

  beforeEach(async () => {
    logged = [];
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vaultroom-vacuum-'));
    database = await openDatabase(dataDir);
    database.sqlite
      .prepare(
        `INSERT INTO accounts (id, handle, handle_key, display_name, role, status, webauthn_user_id, created_at)
         VALUES ('acct', 'a', 'a', 'A', 'member', 'active', x'01', '2026-01-01T00:00:00.000Z')`,
      )
      .run();
    database.sqlite
      .prepare(
        `INSERT INTO devices (id, account_id, name, signing_key, dh_key, dh_signature, created_at)
         VALUES ('bob', 'acct', 'Bob', x'62', x'00', x'00', 0)`,
      )
      .run();
  });

  afterEach(async () => {
    scheduler?.stop();
    scheduler = null;
    await database.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('gives the space of a large drain back: the database file shrinks', async () => {
    await fillAndDrain(ENVELOPES, 1);
    const before = mainFileBytes();
    expect(before).toBeGreaterThan(ENVELOPES * BODY_BYTES);
    expect(pragma('freelist_count')).toBeGreaterThan(pragma('page_count') * 0.9);

    scheduler = createVacuumScheduler({ sqlite: database.sqlite, log: log(), checkEveryMs: 20 });
    await until(() => logged.some((record) => record['msg'] === 'gave free database pages back'));

    expect(pragma('freelist_count')).toBe(0);
    const after = mainFileBytes();
    expect(after).toBeLessThan(before / 20);
    const report = logged.find((record) => record['msg'] === 'gave free database pages back');
    expect(report).toMatchObject({ reason: 'done', fileBytes: after });
    expect(report?.['freedBytes']).toBeGreaterThan(ENVELOPES * BODY_BYTES);
    expect(report?.['longestStepMs']).toBeGreaterThan(0);
  });

  it('keeps the envelopes that were not acked, whole', async () => {
    await fillAndDrain(ENVELOPES, 0.9);
    scheduler = createVacuumScheduler({ sqlite: database.sqlite, log: log(), checkEveryMs: 20 });
    await until(() => pragma('freelist_count') === 0);
    expect(database.sqlite.pragma('integrity_check', { simple: true })).toBe('ok');
    const rows = database.sqlite
      .prepare<[], { id: string; body: Buffer }>('SELECT id, body FROM envelopes ORDER BY seq')
      .all();
    expect(rows).toHaveLength(ENVELOPES / 10);
    expect(rows[0]?.id).toBe(`e${ENVELOPES * 0.9}`);
    expect(rows.every((row) => row.body.length === BODY_BYTES)).toBe(true);
  });

  it('leaves a free list alone while it is a small share of the file', async () => {
    await fillAndDrain(ENVELOPES, 0.1);
    const pages = pragma('page_count');
    scheduler = createVacuumScheduler({ sqlite: database.sqlite, log: log(), checkEveryMs: 10 });
    await pause(200);
    expect(pragma('page_count')).toBe(pages);
    expect(pragma('freelist_count')).toBeGreaterThan(0);
  });

  it('stops between two steps, and takes no step after stop', async () => {
    await fillAndDrain(ENVELOPES, 1);
    const pages = pragma('page_count');
    scheduler = createVacuumScheduler({
      sqlite: database.sqlite,
      log: log(),
      checkEveryMs: 10,
      pagesPerStep: 64,
      stepGapMs: 50,
    });
    await until(() => pragma('page_count') < pages);
    scheduler.stop();
    const stoppedAt = pragma('page_count');
    await pause(200);
    expect(pragma('page_count')).toBe(stoppedAt);
    expect(pragma('freelist_count')).toBeGreaterThan(0);
  });

  it('takes no step on a database that closed without stop()', async () => {
    const otherDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vaultroom-vacuum-'));
    const other = await openDatabase(otherDir);
    other.sqlite.exec('CREATE TABLE filler (id INTEGER PRIMARY KEY, body BLOB NOT NULL)');
    const insert = other.sqlite.prepare('INSERT INTO filler (body) VALUES (?)');
    other.sqlite.transaction(() => {
      for (let i = 0; i < 10_000; i++) insert.run(Buffer.alloc(BODY_BYTES, 1));
    })();
    other.sqlite.exec('DELETE FROM filler');
    const pages = other.sqlite.pragma('page_count', { simple: true }) as number;
    scheduler = createVacuumScheduler({
      sqlite: other.sqlite,
      log: log(),
      checkEveryMs: 10,
      pagesPerStep: 64,
      stepGapMs: 30,
    });
    await until(() => (other.sqlite.pragma('page_count', { simple: true }) as number) < pages);
    await other.close();
    await pause(150); // a step on the closed connection would throw from its timer
    fs.rmSync(otherDir, { recursive: true, force: true });
  });
});
