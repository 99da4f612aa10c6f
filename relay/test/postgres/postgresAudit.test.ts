import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseVerifierKey, verifyCheckpoint } from '@vaultroom/shared/transparency';
import sodium from 'libsodium-wrappers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadOrCreateAuditLogKey, type AuditLogKey } from '../../src/audit/auditLogKey.js';
import { treeInclusion, treeRoot } from '../../src/audit/auditTreeReads.js';
import { createAuditReader, type AuditReader } from '../../src/audit/createAuditReader.js';
import { CheckpointConflictError, createCheckpointer } from '../../src/audit/createCheckpointer.js';
import { pruneAuditLog } from '../../src/audit/pruneAuditLog.js';
import { queriedAuditWalk } from '../../src/audit/queriedAuditWalk.js';
import { recordSecurityEvent } from '../../src/audit/recordSecurityEvent.js';
import { sqliteAuditWalk } from '../../src/audit/sqliteAuditWalk.js';
import { verifyAuditLog } from '../../src/audit/verifyAuditLog.js';
import { createAdvisoryLeadership } from '../../src/db/createAdvisoryLeadership.js';
import { openDatabase, type OpenDatabase } from '../../src/db/openDatabase.js';
import { openPostgresDatabase, type PostgresDatabase } from '../../src/db/openPostgresDatabase.js';
import type { RelayDb } from '../../src/db/schema.js';
import type { Write } from '../../src/db/WriteStore.js';
import { startPostgres, type PostgresServer } from '../services/postgresServer.js';

/*
 * One audit log for all relays (issue: several relays): the tree, its proofs, verify and pruning
 * on PostgreSQL give what they give on SQLite, and relays sharing the database sign one history.
 */

const ORIGIN = 'relay.test/vaultroom-audit/postgres';
const hex = (hashes: readonly Uint8Array[]) =>
  hashes.map((hash) => Buffer.from(hash).toString('hex'));
const timeOf = (n: number) => new Date(Date.UTC(2026, 0, 1) + n * 60_000);

async function append(writes: PostgresDatabase['writes'], from: number, count: number) {
  for (let n = from; n < from + count; n++) {
    await recordSecurityEvent(
      writes,
      { type: 'session_created', outcome: 'success', target: `s${n}` },
      timeOf(n),
    );
  }
}

/** Runs reads written as a generator and counts the statements they needed. */
async function countStatements<T>(db: RelayDb, steps: Write<T>): Promise<number> {
  let statements = 0;
  let step = steps.next();
  while (step.done !== true) {
    statements += 1;
    step = steps.next((await db.executeQuery(step.value.query)).rows);
  }
  return statements;
}

describe('the audit log on PostgreSQL', () => {
  let server: PostgresServer;
  let postgres: PostgresDatabase;
  let sqlite: OpenDatabase;
  let dirs: string[];
  let key: AuditLogKey;
  let pgReader: AuditReader;
  let sqliteReader: AuditReader;

  const signer = (database: PostgresDatabase, signWith: AuditLogKey = key) =>
    createCheckpointer({
      writes: database.writes,
      reader: createAuditReader(database.db),
      key: signWith,
      origin: ORIGIN,
      policy: { everyEvents: 1, everySeconds: 1 },
    });
  const expected = () => ({ origin: ORIGIN, verifiers: [parseVerifierKey(key.verifierKey)] });

  beforeAll(async () => {
    await sodium.ready;
    server = await startPostgres();
    postgres = await openPostgresDatabase(server.url);
    dirs = [fs.mkdtempSync(path.join(os.tmpdir(), 'vaultroom-pg-audit-'))];
    sqlite = await openDatabase(dirs[0] ?? '');
    key = await loadOrCreateAuditLogKey(dirs[0] ?? '', ORIGIN);
    pgReader = createAuditReader(postgres.db);
    sqliteReader = createAuditReader(sqlite.db);
  });

  afterAll(async () => {
    await postgres.close();
    await sqlite.close();
    for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
    await server.stop();
  });

  it('gives the roots, proofs and edges SQLite gives, in a few rounds of look-ups', async () => {
    await append(postgres.writes, 1, 77);
    await append(sqlite.writes, 1, 77);
    expect(await pgReader.size()).toBe(77);
    for (const size of [1, 2, 3, 31, 32, 33, 64, 77]) {
      expect(hex([await pgReader.root(size)])).toEqual(hex([await sqliteReader.root(size)]));
      expect(hex(await pgReader.edge(size))).toEqual(hex(await sqliteReader.edge(size)));
      for (const seq of [1, Math.ceil(size / 2), size]) {
        expect(hex(await pgReader.inclusion(seq, size))).toEqual(
          hex(await sqliteReader.inclusion(seq, size)),
        );
      }
      for (const from of [1, Math.ceil(size / 3), size]) {
        expect(hex(await pgReader.consistency(from, size))).toEqual(
          hex(await sqliteReader.consistency(from, size)),
        );
      }
    }
    // The pruning look-up, then one round for the stored subtrees the proof names, and perhaps
    // one more: never a statement per leaf.
    const statements = await countStatements(postgres.db, treeRoot(postgres.db, 77));
    const proof = await countStatements(postgres.db, treeInclusion(postgres.db, 5, 77));
    console.log(`root of 77 events: ${statements} statements; inclusion proof: ${proof}`);
    expect(statements).toBeLessThanOrEqual(5);
    expect(proof).toBeLessThanOrEqual(5);
  });

  it('verifies the log with its pages by key, and names an edited event', async () => {
    await signer(postgres).maybeCheckpoint(true);
    const honest = await verifyAuditLog(queriedAuditWalk(postgres.db), expected());
    expect(honest).toMatchObject({ events: 77, checkpoints: 1, problem: null });
    // The paged walk reads SQLite the same way the ordered scan does.
    await createCheckpointer({
      writes: sqlite.writes,
      reader: sqliteReader,
      key,
      origin: ORIGIN,
      policy: { everyEvents: 1, everySeconds: 1 },
    }).maybeCheckpoint(true);
    expect(await verifyAuditLog(queriedAuditWalk(sqlite.db), expected())).toEqual(
      await verifyAuditLog(sqliteAuditWalk(sqlite.sqlite), expected()),
    );

    await postgres.db
      .updateTable('audit_events')
      .set({ target: 'someone else' })
      .where('seq', '=', 40)
      .execute();
    const edited = await verifyAuditLog(queriedAuditWalk(postgres.db), expected());
    expect(edited.problem).toEqual({
      seq: 40,
      message: 'event 40 was altered: its content does not match its hash',
    });
    await postgres.db
      .updateTable('audit_events')
      .set({ target: 's40' })
      .where('seq', '=', 40)
      .execute();
    const node = postgres.db.updateTable('audit_nodes').where('level', '=', 2).where('idx', '=', 5);
    const original = await postgres.db
      .selectFrom('audit_nodes')
      .select('hash')
      .where('level', '=', 2)
      .where('idx', '=', 5)
      .executeTakeFirstOrThrow();
    await node.set({ hash: new Uint8Array(32) }).execute();
    expect((await verifyAuditLog(queriedAuditWalk(postgres.db), expected())).problem).toEqual({
      seq: 21,
      message: 'events 21–24 do not match the stored tree: one of them was altered',
    });
    await node.set({ hash: original.hash }).execute();
    expect((await verifyAuditLog(queriedAuditWalk(postgres.db), expected())).problem).toBeNull();
  });

  it('prunes in one transaction and keeps every root and proof of the remaining events', async () => {
    const size = await pgReader.size();
    const before = {
      root: hex([await pgReader.root(size)]),
      proof: hex(await pgReader.inclusion(50, size)),
      consistency: hex(await pgReader.consistency(40, size)),
    };
    const result = await pruneAuditLog(
      { writes: postgres.writes, walk: queriedAuditWalk(postgres.db) },
      { before: timeOf(31), key, origin: ORIGIN, now: timeOf(1000) },
    );
    expect(result).toMatchObject({ prunedSize: 30, removed: 30, recordedIn: size + 1 });
    expect(hex([await pgReader.root(size)])).toEqual(before.root);
    expect(hex(await pgReader.inclusion(50, size))).toEqual(before.proof);
    expect(hex(await pgReader.consistency(40, size))).toEqual(before.consistency);
    await expect(pgReader.inclusion(3, size)).rejects.toThrow(/pruned/);
    expect(await verifyAuditLog(queriedAuditWalk(postgres.db), expected())).toMatchObject({
      events: size + 1,
      pruned: { size: 30 },
      problem: null,
    });
  });

  it('stores one note per size while three relays append and sign at once', async () => {
    const others = await Promise.all([
      openPostgresDatabase(server.url),
      openPostgresDatabase(server.url),
    ]);
    const relays = [postgres, ...others];
    const signed: string[] = [];
    try {
      await Promise.all(
        relays.map(async (relay, index) => {
          const checkpointer = signer(relay);
          for (let round = 0; round < 8; round++) {
            await append(relay.writes, 100 * (index + 1) + round, 2);
            const note = await checkpointer.maybeCheckpoint(true);
            if (note !== null) signed.push(note);
          }
        }),
      );
    } finally {
      await Promise.all(others.map((database) => database.close()));
    }
    const stored = await postgres.db.selectFrom('audit_checkpoints').selectAll().execute();
    const bySize = new Map(stored.map((row) => [row.tree_size, row.note]));
    expect(signed.length).toBeGreaterThan(0);
    for (const note of signed) {
      const checkpoint = verifyCheckpoint(note, expected(), sodium);
      // What any relay signed is what is stored for that size, and the root of that size.
      expect(bySize.get(checkpoint.size)).toBe(note);
      expect(hex([checkpoint.rootHash])).toEqual(hex([await pgReader.root(checkpoint.size)]));
    }
    expect(await verifyAuditLog(queriedAuditWalk(postgres.db), expected())).toMatchObject({
      problem: null,
    });
  });

  it('refuses to keep a second, different note for a size already signed', async () => {
    const otherDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vaultroom-pg-audit-'));
    dirs.push(otherDir);
    const otherKey = await loadOrCreateAuditLogKey(otherDir, ORIGIN);
    await append(postgres.writes, 900, 1);
    const size = await pgReader.size();
    const first = await signer(postgres).maybeCheckpoint(true);
    expect(first).not.toBeNull();
    // Another signer that reads the tree before the first signature is stored and signs the
    // same size with another key: its note must not pass for the stored one.
    const stale = createCheckpointer({
      writes: postgres.writes,
      reader: { ...pgReader, latestCheckpoint: () => Promise.resolve(null) },
      key: otherKey,
      origin: ORIGIN,
      policy: { everyEvents: 1, everySeconds: 1 },
    });
    await expect(stale.maybeCheckpoint(true)).rejects.toBeInstanceOf(CheckpointConflictError);
    const stored = await postgres.db
      .selectFrom('audit_checkpoints')
      .select('note')
      .where('tree_size', '=', size)
      .executeTakeFirstOrThrow();
    expect(stored.note).toBe(first);
  });

  it('lets one relay lead the checkpoints, and another take over when it goes', async () => {
    const lockId = 4242;
    const a = createAdvisoryLeadership(server.url, lockId);
    const b = createAdvisoryLeadership(server.url, lockId);
    try {
      expect(await a.leads()).toBe(true);
      expect(await b.leads()).toBe(false);
      expect(await a.leads()).toBe(true);
      await a.stop();
      expect(await b.leads()).toBe(true);
    } finally {
      await a.stop();
      await b.stop();
    }
  });
});
