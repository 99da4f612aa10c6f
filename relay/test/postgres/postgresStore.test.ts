import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isStorageUnavailable } from '../../src/api/isStorageUnavailable.js';
import { recordSecurityEvent } from '../../src/audit/recordSecurityEvent.js';
import { openDatabase, type OpenDatabase } from '../../src/db/openDatabase.js';
import { openPostgresDatabase, type PostgresDatabase } from '../../src/db/openPostgresDatabase.js';
import { changes, first, rows, type WriteStore } from '../../src/db/WriteStore.js';
import { startPostgres, type PostgresServer } from '../services/postgresServer.js';

/*
 * The relay's store on PostgreSQL (issue: several relays): one set of migrations gives the same
 * schema as on SQLite, and the write discipline holds there too, with operations that really run
 * at once on separate connections.
 */

interface ColumnShape {
  readonly table: string;
  readonly column: string;
  readonly nullable: boolean;
  readonly primaryKey: boolean;
}

function sqliteColumns(database: OpenDatabase): ColumnShape[] {
  const tables = database.sqlite
    .prepare(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'kysely_%'",
    )
    .all() as { name: string }[];
  return tables.flatMap(({ name }) =>
    (
      database.sqlite.prepare(`PRAGMA table_info(${name})`).all() as {
        name: string;
        notnull: number;
        pk: number;
      }[]
    ).map((column) => ({
      table: name,
      column: column.name,
      // SQLite lets an INTEGER PRIMARY KEY be declared without NOT NULL: it is the rowid.
      nullable: column.notnull === 0 && column.pk === 0,
      primaryKey: column.pk > 0,
    })),
  );
}

async function postgresColumns(database: PostgresDatabase): Promise<ColumnShape[]> {
  const { rows: found } = await sql<{
    table_name: string;
    column_name: string;
    is_nullable: string;
    primary_key: boolean;
  }>`
    SELECT c.table_name, c.column_name, c.is_nullable,
      EXISTS (
        SELECT 1 FROM information_schema.table_constraints t
        JOIN information_schema.key_column_usage k
          ON k.constraint_name = t.constraint_name AND k.table_name = t.table_name
        WHERE t.constraint_type = 'PRIMARY KEY' AND t.table_name = c.table_name
          AND k.column_name = c.column_name
      ) AS primary_key
    FROM information_schema.columns c
    WHERE c.table_schema = 'public' AND c.table_name NOT LIKE 'kysely_%'`.execute(database.db);
  return found.map((column) => ({
    table: column.table_name,
    column: column.column_name,
    nullable: column.is_nullable === 'YES' && !column.primary_key,
    primaryKey: column.primary_key,
  }));
}

const byName = (a: ColumnShape, b: ColumnShape) =>
  `${a.table}.${a.column}`.localeCompare(`${b.table}.${b.column}`);

/** A read-then-write that loses updates unless the store isolates operations from each other. */
function increment(writes: WriteStore, key: string): Promise<number> {
  return writes.write(function* (tx) {
    const row = yield* first(tx.db.selectFrom('relay_meta').select('value').where('key', '=', key));
    const next = Number(row?.value ?? '0') + 1;
    yield* changes(
      tx.db
        .insertInto('relay_meta')
        .values({ key, value: String(next) })
        .onConflict((conflict) => conflict.column('key').doUpdateSet({ value: String(next) })),
    );
    return next;
  });
}

describe('the relay store on PostgreSQL', () => {
  let server: PostgresServer;
  let postgres: PostgresDatabase;
  let sqlite: OpenDatabase;
  let sqliteDir: string;

  beforeAll(async () => {
    server = await startPostgres();
    postgres = await openPostgresDatabase(server.url);
    sqliteDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vaultroom-schema-'));
    sqlite = await openDatabase(sqliteDir);
  });

  afterAll(async () => {
    await postgres.close();
    await sqlite.close();
    fs.rmSync(sqliteDir, { recursive: true, force: true });
    await server.stop();
  });

  it('builds from the same migrations the same tables, columns, nullability and keys as SQLite', async () => {
    const expected = sqliteColumns(sqlite).sort(byName);
    expect(expected.length).toBeGreaterThan(50);
    expect((await postgresColumns(postgres)).sort(byName)).toEqual(expected);
  });

  it('migrates once when several relays open the same database at the same time', async () => {
    const more = await Promise.all([
      openPostgresDatabase(server.url),
      openPostgresDatabase(server.url),
    ]);
    await Promise.all(more.map((database) => database.close()));
    const { rows: applied } = await sql<{ count: number }>`
      SELECT count(*)::int AS count FROM kysely_migration`.execute(postgres.db);
    const expected = sqlite.sqlite.prepare('SELECT count(*) AS count FROM kysely_migration').get();
    expect(applied[0]).toEqual(expected);
  });

  it('answers rows and changes, reads numbers as numbers and bytes as bytes', async () => {
    const bytes = new Uint8Array([0, 1, 254, 255]);
    const stored = await postgres.writes.write(function* (tx) {
      yield* changes(
        tx.db.insertInto('audit_checkpoints').values({
          tree_size: 2 ** 40,
          note: 'n',
          created_at: 'now',
        }),
      );
      const updated = yield* changes(
        tx.db
          .updateTable('audit_checkpoints')
          .set({ note: 'm' })
          .where('tree_size', '=', 2 ** 40),
      );
      yield* changes(
        tx.db.insertInto('audit_pruning').values({
          tree_size: 1,
          pruned_at: 'now',
          before: 'then',
          edge: bytes,
          checkpoint_size: 2,
        }),
      );
      const found = yield* rows(tx.db.selectFrom('audit_checkpoints').selectAll());
      const edge = yield* first(tx.db.selectFrom('audit_pruning').select('edge'));
      // Rows with no meaning to the audit log: gone again before the append test reads it.
      yield* changes(tx.db.deleteFrom('audit_pruning'));
      yield* changes(tx.db.deleteFrom('audit_checkpoints'));
      return { updated, found, edge };
    });
    expect(stored.updated).toBe(1);
    expect(stored.found).toEqual([{ tree_size: 2 ** 40, note: 'm', created_at: 'now' }]);
    expect(new Uint8Array(stored.edge?.edge ?? [])).toEqual(bytes);
  });

  it('rolls the whole operation back on a throw and runs after-commit effects only on commit', async () => {
    const effects: string[] = [];
    await expect(
      postgres.writes.write(function* (tx) {
        tx.afterCommit(() => effects.push('rolled back'));
        yield* changes(tx.db.insertInto('relay_meta').values({ key: 'half', value: '1' }));
        throw new Error('refused halfway');
      }),
    ).rejects.toThrow('refused halfway');
    await postgres.writes.write(function* (tx) {
      tx.afterCommit(() => effects.push('committed'));
      yield* changes(tx.db.insertInto('relay_meta').values({ key: 'whole', value: '1' }));
    });
    const keys = await postgres.db.selectFrom('relay_meta').select('key').execute();
    expect(keys.map((row) => row.key)).toContain('whole');
    expect(keys.map((row) => row.key)).not.toContain('half');
    expect(effects).toEqual(['committed']);
  });

  it('runs one relay’s operations one after another, in the order they came, failures included', async () => {
    const failing = postgres.writes.write(function* (tx) {
      yield* changes(tx.db.insertInto('relay_meta').values({ key: 'queued', value: '1' }));
      throw new Error('refused');
    });
    const results = await Promise.all([
      failing.catch(() => 'refused'),
      ...Array.from({ length: 10 }, () => increment(postgres.writes, 'queued')),
    ]);
    expect(results).toEqual(['refused', 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it('loses no update when three relays run 30 operations on the same row at once', async () => {
    const others = await Promise.all([
      openPostgresDatabase(server.url),
      openPostgresDatabase(server.url),
    ]);
    const relays = [postgres, ...others];
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, index) =>
        increment(relays[index % relays.length]?.writes ?? postgres.writes, 'counter'),
      ),
    );
    await Promise.all(others.map((database) => database.close()));
    expect([...results].sort((a, b) => a - b)).toEqual(
      Array.from({ length: 30 }, (_, index) => index + 1),
    );
  });

  it('appends audit events made at once on three relays into the same log SQLite makes one by one', async () => {
    const at = new Date('2026-12-05T12:00:00.000Z');
    const event = { type: 'session_ended', outcome: 'success', target: 'x' } as const;
    const others = await Promise.all([
      openPostgresDatabase(server.url),
      openPostgresDatabase(server.url),
    ]);
    const relays = [postgres, ...others];
    await Promise.all(
      Array.from({ length: 25 }, (_, index) =>
        recordSecurityEvent(relays[index % relays.length]?.writes ?? postgres.writes, event, at),
      ),
    );
    await Promise.all(others.map((database) => database.close()));
    for (let index = 0; index < 25; index += 1) {
      await recordSecurityEvent(sqlite.writes, event, at);
    }
    const tree = async (database: { db: OpenDatabase['db'] }) => ({
      leaves: (
        await database.db
          .selectFrom('audit_events')
          .select(['seq', 'leaf_hash'])
          .orderBy('seq')
          .execute()
      ).map((row) => [row.seq, Buffer.from(row.leaf_hash).toString('hex')]),
      nodes: (
        await database.db
          .selectFrom('audit_nodes')
          .selectAll()
          .orderBy('level')
          .orderBy('idx')
          .execute()
      ).map((row) => [row.level, row.idx, Buffer.from(row.hash).toString('hex')]),
    });
    const fromSqlite = await tree(sqlite);
    expect(fromSqlite.leaves).toHaveLength(25);
    expect(await tree(postgres)).toEqual(fromSqlite);
  });

  it('refuses writes as storage out of reach while PostgreSQL restarts, and writes again after', async () => {
    await increment(postgres.writes, 'before-restart');
    await server.shutDown();
    const refused = await increment(postgres.writes, 'while-down').catch((error: unknown) => error);
    expect(isStorageUnavailable(refused)).toBe(true);
    await server.startAgain();
    // The pool drops the connections the old server ended and opens new ones.
    await expect.poll(() => increment(postgres.writes, 'after-restart').catch(() => 0)).toBe(1);
    const kept = await postgres.db.selectFrom('relay_meta').select('key').execute();
    expect(kept.map((row) => row.key)).toContain('before-restart');
  });
});
