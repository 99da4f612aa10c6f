import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseVerifierKey } from '@vaultroom/shared/transparency';
import sodium from 'libsodium-wrappers';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, openDatabaseForTool, type OpenDatabase } from '../db/openDatabase.js';
import { loadOrCreateAuditLogKey, type AuditLogKey } from './auditLogKey.js';
import { createAuditReader } from './createAuditReader.js';
import { createCheckpointer } from './createCheckpointer.js';
import { changes, rows } from '../db/WriteStore.js';
import {
  appendSecurityEvent,
  recordSecurityEvent,
  type SecurityEvent,
} from './recordSecurityEvent.js';
import { sqliteAuditWalk } from './sqliteAuditWalk.js';
import { verifyAuditLog } from './verifyAuditLog.js';

const ORIGIN = 'relay.test/vaultroom-audit/000000000000';
const START = Date.parse('2026-01-01T00:00:00Z');
const at = (n: number) => new Date(START + n * 1000);
const event = (n: number): SecurityEvent => ({
  type: 'session_created',
  outcome: 'success',
  target: `session-${n}`,
});
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

class Rollback extends Error {}

describe('recordSecurityEvent', () => {
  const dirs: string[] = [];
  const open: OpenDatabase[] = [];
  let key: AuditLogKey;

  async function fresh(): Promise<{ dir: string; database: OpenDatabase }> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vaultroom-append-'));
    dirs.push(dir);
    const database = await openDatabase(dir);
    open.push(database);
    return { dir, database };
  }

  /** Signs a checkpoint now, then verifies everything, so every root is checked too. */
  async function signAndVerify(database: OpenDatabase) {
    await createCheckpointer({
      writes: database.writes,
      reader: createAuditReader(database.db),
      key,
      origin: ORIGIN,
      policy: { everyEvents: 1, everySeconds: 1 },
    }).maybeCheckpoint(true);
    return verifyAuditLog(sqliteAuditWalk(database.sqlite), {
      origin: ORIGIN,
      verifiers: [parseVerifierKey(key.verifierKey)],
    });
  }

  beforeEach(async () => {
    await sodium.ready;
    const keyDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vaultroom-append-key-'));
    dirs.push(keyDir);
    key = await loadOrCreateAuditLogKey(keyDir, ORIGIN);
  });

  afterEach(async () => {
    for (const database of open.splice(0)) await database.close();
    for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('builds the same tree from one big transaction as from one transaction per event', async () => {
    const batched = (await fresh()).database;
    const single = (await fresh()).database;
    await batched.writes.write(function* (tx) {
      for (let n = 1; n <= 77; n++) yield* appendSecurityEvent(tx, event(n), at(n));
    });
    for (let n = 1; n <= 77; n++) await recordSecurityEvent(single.writes, event(n), at(n));

    const a = createAuditReader(batched.db);
    const b = createAuditReader(single.db);
    expect(await a.size()).toBe(77);
    for (const size of [1, 2, 3, 31, 32, 33, 64, 77])
      expect(hex(await a.root(size))).toBe(hex(await b.root(size)));
    const nodes = (database: OpenDatabase) =>
      database.sqlite
        .prepare('SELECT level, idx, hex(hash) AS h FROM audit_nodes ORDER BY 1, 2')
        .all();
    expect(nodes(batched)).toEqual(nodes(single));
    expect((await signAndVerify(batched)).problem).toBeNull();
  });

  it('forgets what a rolled-back operation appended, and the next one goes on from the committed tree', async () => {
    const { database } = await fresh();
    await recordSecurityEvent(database.writes, event(1), at(1));
    await expect(
      database.writes.write(function* (tx) {
        for (let n = 2; n <= 6; n++) yield* appendSecurityEvent(tx, event(n), at(n));
        yield* changes(tx.db.insertInto('relay_meta').values({ key: 'probe', value: 'x' }));
        throw new Rollback('the action failed after its events were appended');
      }),
    ).rejects.toBeInstanceOf(Rollback);
    await database.writes.write(function* (tx) {
      yield* appendSecurityEvent(tx, event(7), at(7));
      yield* appendSecurityEvent(tx, event(8), at(8));
    });
    await recordSecurityEvent(database.writes, event(9), at(9));

    const rows = database.sqlite
      .prepare<[], { seq: number; target: string }>(
        'SELECT seq, target FROM audit_events ORDER BY seq',
      )
      .all();
    expect(rows).toEqual([
      { seq: 1, target: 'session-1' },
      { seq: 2, target: 'session-7' },
      { seq: 3, target: 'session-8' },
      { seq: 4, target: 'session-9' },
    ]);
    const result = await signAndVerify(database);
    expect(result.problem).toBeNull();
    expect(result.events).toBe(4);
  });

  it('goes on from events another process appended in between', async () => {
    const { dir, database } = await fresh();
    // A command-line tool opens the same file on a connection of its own.
    const tool = await openDatabaseForTool(dir);
    open.push(tool);
    let n = 0;
    for (let round = 0; round < 5; round++) {
      await database.writes.write(function* (tx) {
        for (let i = 0; i < 3; i++) yield* appendSecurityEvent(tx, event(++n), at(n));
      });
      await recordSecurityEvent(tool.writes, event(++n), at(n));
      await tool.writes.write(function* (tx) {
        for (let i = 0; i < round; i++) yield* appendSecurityEvent(tx, event(++n), at(n));
      });
    }
    await recordSecurityEvent(database.writes, event(++n), at(n));

    expect(await createAuditReader(tool.db).size()).toBe(n);
    const result = await signAndVerify(database);
    expect(result.problem).toBeNull();
    expect(result.events).toBe(n);
  });

  it('appends an event in the same transaction as the action it records', async () => {
    const { database } = await fresh();
    await database.writes.write(function* (tx) {
      yield* changes(tx.db.insertInto('relay_meta').values({ key: 'action', value: 'done' }));
      yield* appendSecurityEvent(tx, event(1), at(1));
      // Inside the operation both are visible; outside it, nothing else runs until it commits.
      const seen = yield* rows(tx.db.selectFrom('audit_events').select('seq'));
      expect(seen).toEqual([{ seq: 1 }]);
    });
    await expect(
      database.writes.write(function* (tx) {
        yield* changes(tx.db.insertInto('relay_meta').values({ key: 'other', value: 'half' }));
        yield* appendSecurityEvent(tx, event(2), at(2));
        throw new Rollback('rolled back');
      }),
    ).rejects.toBeInstanceOf(Rollback);
    const meta = await database.db.selectFrom('relay_meta').select('key').execute();
    expect(meta.map((row) => row.key)).not.toContain('other');
    expect(await createAuditReader(database.db).size()).toBe(1);
  });
});
