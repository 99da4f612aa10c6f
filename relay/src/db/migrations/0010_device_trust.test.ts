import SQLite from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RelayDatabase } from '../schema.js';
import { migrationProvider } from './index.js';

describe('migration 0010_device_trust', () => {
  let sqlite: SQLite.Database;
  let db: Kysely<RelayDatabase>;
  let migrator: Migrator;

  beforeEach(async () => {
    sqlite = new SQLite(':memory:');
    sqlite.pragma('foreign_keys = ON');
    db = new Kysely<RelayDatabase>({ dialect: new SqliteDialect({ database: sqlite }) });
    migrator = new Migrator({ db, provider: migrationProvider });
    const { error } = await migrator.migrateTo('0009_push_subscriptions');
    expect(error).toBeUndefined();
  });

  afterEach(async () => {
    await db.destroy();
  });

  /** A protocol-3 database: an account, two passkeys, devices and the sessions that used them. */
  function seed(): void {
    sqlite
      .prepare(
        `INSERT INTO accounts (id, handle, handle_key, display_name, role, status, webauthn_user_id, created_at)
         VALUES ('acct', 'ada', 'ada', 'Ada', 'member', 'active', x'01', '2026-01-01T00:00:00.000Z')`,
      )
      .run();
    for (const id of ['key-1', 'key-2']) {
      sqlite
        .prepare(
          `INSERT INTO passkeys (id, account_id, public_key, counter, transports, aaguid,
             backup_eligible, backed_up, name, created_at)
           VALUES (?, 'acct', x'00', 0, '[]', '', 0, 0, 'Passkey', '2026-01-01T00:00:00.000Z')`,
        )
        .run(id);
    }
    for (const [id, key] of [
      ['laptop', 1],
      ['phone', 2],
      ['tablet', 3],
    ] as const) {
      sqlite
        .prepare(
          `INSERT INTO devices (id, account_id, name, signing_key, dh_key, dh_signature, created_at)
           VALUES (?, 'acct', ?, ?, x'00', x'00', 0)`,
        )
        .run(id, id, Buffer.from([key]));
    }
    const session = sqlite.prepare(
      `INSERT INTO sessions (id, token_hash, account_id, passkey_id, user_agent, created_at,
         last_seen_at, absolute_expires_at, device_id)
       VALUES (?, ?, 'acct', ?, '', ?, ?, 0, ?)`,
    );
    // The laptop was registered with key-2 and later used from a key-1 session: the earliest wins.
    session.run(
      's1',
      'h1',
      'key-2',
      '2026-01-01T00:00:00.000Z',
      '2026-01-01T00:00:00.000Z',
      'laptop',
    );
    session.run(
      's2',
      'h2',
      'key-1',
      '2026-02-01T00:00:00.000Z',
      '2026-02-01T00:00:00.000Z',
      'laptop',
    );
    // The phone's only session has no passkey left (it was removed): nothing to tell.
    session.run('s3', 'h3', null, '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z', 'phone');
  }

  it('records each device’s passkey from its earliest session, and leaves unknown ones null', async () => {
    seed();
    const { error } = await migrator.migrateTo('0010_device_trust');
    expect(error).toBeUndefined();
    const devices = await db
      .selectFrom('devices')
      .select(['id', 'registered_with_credential'])
      .orderBy('id')
      .execute();
    expect(devices).toEqual([
      { id: 'laptop', registered_with_credential: 'key-2' },
      { id: 'phone', registered_with_credential: null },
      { id: 'tablet', registered_with_credential: null },
    ]);
    // No session counts as verified after the upgrade: the first sensitive action asks again.
    const sessions = await db.selectFrom('sessions').select('verified_at').execute();
    expect(sessions.every((row) => row.verified_at === null)).toBe(true);
  });

  it('deletes a sealed account key with its passkey, and certificates with their device', async () => {
    seed();
    await migrator.migrateTo('0010_device_trust');
    await db
      .insertInto('sealed_account_keys')
      .values({
        credential_id: 'key-1',
        account_id: 'acct',
        sealed: new Uint8Array(74),
        stored_at: 1,
      })
      .execute();
    await db
      .insertInto('device_certificates')
      .values({
        device_id: 'tablet',
        account_id: 'acct',
        certificate: new Uint8Array(203),
        certificate_hash: new Uint8Array(32),
        stored_at: 1,
      })
      .execute();
    await db.deleteFrom('passkeys').where('id', '=', 'key-1').execute();
    await db.deleteFrom('devices').where('id', '=', 'tablet').execute();
    expect(await db.selectFrom('sealed_account_keys').selectAll().execute()).toEqual([]);
    expect(await db.selectFrom('device_certificates').selectAll().execute()).toEqual([]);
  });

  it('goes down again', async () => {
    await migrator.migrateTo('0010_device_trust');
    const { error } = await migrator.migrateTo('0009_push_subscriptions');
    expect(error).toBeUndefined();
    const columns = sqlite.prepare("SELECT name FROM pragma_table_info('sessions')").all();
    expect(columns).not.toContainEqual({ name: 'verified_at' });
  });
});
