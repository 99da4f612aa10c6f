import SQLite from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RelayDatabase } from '../schema.js';
import { migrationProvider } from './index.js';

describe('migration 0012_dated_prekeys', () => {
  let sqlite: SQLite.Database;
  let db: Kysely<RelayDatabase>;
  let migrator: Migrator;

  beforeEach(async () => {
    sqlite = new SQLite(':memory:');
    sqlite.pragma('foreign_keys = ON');
    db = new Kysely<RelayDatabase>({ dialect: new SqliteDialect({ database: sqlite }) });
    migrator = new Migrator({ db, provider: migrationProvider });
    const { error } = await migrator.migrateTo('0011_blobs');
    expect(error).toBeUndefined();
    sqlite
      .prepare(
        `INSERT INTO accounts (id, handle, handle_key, display_name, role, status, webauthn_user_id, created_at)
         VALUES ('acct', 'ada', 'ada', 'Ada', 'member', 'active', x'01', '2026-01-01T00:00:00.000Z')`,
      )
      .run();
    sqlite
      .prepare(
        `INSERT INTO devices (id, account_id, name, signing_key, dh_key, dh_signature, created_at)
         VALUES ('laptop', 'acct', 'laptop', x'01', x'00', x'00', 0)`,
      )
      .run();
    for (const table of ['signed_prekeys', 'pq_prekeys']) {
      sqlite
        .prepare(
          `INSERT INTO ${table} (device_id, prekey_id, public_key, signature, uploaded_at)
           VALUES ('laptop', 1, x'00', x'00', 0)`,
        )
        .run();
    }
    sqlite
      .prepare(
        `INSERT INTO one_time_prekeys (device_id, prekey_id, public_key) VALUES ('laptop', 1, x'00')`,
      )
      .run();
  });

  afterEach(async () => {
    await db.destroy();
  });

  const count = (table: string) =>
    (sqlite.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;

  it('drops the undated signed and X-Wing prekeys no client accepts, keeps one-time prekeys', async () => {
    const { error } = await migrator.migrateToLatest();
    expect(error).toBeUndefined();
    expect([count('signed_prekeys'), count('pq_prekeys'), count('one_time_prekeys')]).toEqual([
      0, 0, 1,
    ]);
    await db
      .insertInto('signed_prekeys')
      .values({
        device_id: 'laptop',
        prekey_id: 2,
        public_key: new Uint8Array(32),
        signature: new Uint8Array(64),
        created_at: 1_767_225_600_000,
        uploaded_at: 1_767_225_600_000,
      })
      .execute();
    const row = await db
      .selectFrom('signed_prekeys')
      .select('created_at')
      .executeTakeFirstOrThrow();
    expect(row.created_at).toBe(1_767_225_600_000);
  });

  it('migrates down again', async () => {
    expect((await migrator.migrateToLatest()).error).toBeUndefined();
    expect((await migrator.migrateTo('0011_blobs')).error).toBeUndefined();
    const columns = sqlite.prepare(`PRAGMA table_info(signed_prekeys)`).all() as { name: string }[];
    expect(columns.map((c) => c.name)).not.toContain('created_at');
  });
});
