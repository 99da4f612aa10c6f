import { sql, type Kysely, type Migration } from 'kysely';
import { portableTypes } from './portableTypes.js';

/** A CHECK that a text column holds one of a fixed set of values. */
function sqlIn(column: string, values: readonly string[]) {
  return sql<boolean>`${sql.ref(column)} in (${sql.join(values.map((value) => sql.lit(value)))})`;
}

export const accounts: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    const types = portableTypes(db);
    await db.schema
      .createTable('accounts')
      .addColumn('id', 'text', (col) => col.primaryKey())
      .addColumn('handle', 'text', (col) => col.notNull())
      .addColumn('handle_key', 'text', (col) => col.notNull().unique())
      .addColumn('display_name', 'text', (col) => col.notNull())
      .addColumn('role', 'text', (col) => col.notNull().check(sqlIn('role', ['admin', 'member'])))
      .addColumn('status', 'text', (col) =>
        col.notNull().check(sqlIn('status', ['active', 'disabled'])),
      )
      .addColumn('webauthn_user_id', types.bytes, (col) => col.notNull().unique())
      .addColumn('created_at', 'text', (col) => col.notNull())
      .addColumn('recovery_notice_at', 'text')
      .execute();

    await db.schema
      .createTable('passkeys')
      .addColumn('id', 'text', (col) => col.primaryKey())
      .addColumn('account_id', 'text', (col) =>
        col.notNull().references('accounts.id').onDelete('cascade'),
      )
      .addColumn('public_key', types.bytes, (col) => col.notNull())
      .addColumn('counter', types.integer, (col) => col.notNull())
      .addColumn('transports', 'text', (col) => col.notNull())
      .addColumn('aaguid', 'text', (col) => col.notNull())
      .addColumn('backup_eligible', types.integer, (col) => col.notNull())
      .addColumn('backed_up', types.integer, (col) => col.notNull())
      .addColumn('name', 'text', (col) => col.notNull())
      .addColumn('created_at', 'text', (col) => col.notNull())
      .addColumn('last_used_at', 'text')
      .execute();
    await db.schema.createIndex('passkeys_account').on('passkeys').column('account_id').execute();

    await db.schema
      .createTable('webauthn_challenges')
      .addColumn('id', 'text', (col) => col.primaryKey())
      .addColumn('purpose', 'text', (col) => col.notNull())
      .addColumn('challenge', 'text', (col) => col.notNull())
      .addColumn('context', 'text', (col) => col.notNull())
      .addColumn('expires_at', types.integer, (col) => col.notNull())
      .execute();

    await db.schema
      .createTable('sessions')
      .addColumn('id', 'text', (col) => col.primaryKey())
      .addColumn('token_hash', 'text', (col) => col.notNull().unique())
      .addColumn('account_id', 'text', (col) =>
        col.notNull().references('accounts.id').onDelete('cascade'),
      )
      .addColumn('passkey_id', 'text', (col) => col.references('passkeys.id').onDelete('set null'))
      .addColumn('user_agent', 'text', (col) => col.notNull())
      .addColumn('created_at', 'text', (col) => col.notNull())
      .addColumn('last_seen_at', 'text', (col) => col.notNull())
      .addColumn('absolute_expires_at', types.integer, (col) => col.notNull())
      .addColumn('ended_at', 'text')
      .addColumn('end_reason', 'text')
      .execute();
    await db.schema.createIndex('sessions_account').on('sessions').column('account_id').execute();

    await db.schema
      .createTable('invites')
      .addColumn('id', 'text', (col) => col.primaryKey())
      .addColumn('token_hash', 'text', (col) => col.notNull().unique())
      .addColumn('kind', 'text', (col) =>
        col.notNull().check(sqlIn('kind', ['register', 'recovery'])),
      )
      .addColumn('role', 'text', (col) => col.notNull().check(sqlIn('role', ['admin', 'member'])))
      .addColumn('account_id', 'text', (col) => col.references('accounts.id').onDelete('cascade'))
      .addColumn('created_by', 'text', (col) => col.references('accounts.id').onDelete('set null'))
      .addColumn('max_uses', types.integer, (col) => col.notNull())
      .addColumn('uses', types.integer, (col) => col.notNull().defaultTo(0))
      .addColumn('created_at', 'text', (col) => col.notNull())
      .addColumn('expires_at', types.integer, (col) => col.notNull())
      .addColumn('revoked_at', 'text')
      .execute();

    // Until the tamper-evident audit log replaces it, security events are plain rows here.
    await db.schema
      .createTable('security_events')
      .addColumn('id', types.integer, types.insertOrderKey)
      .addColumn('at', 'text', (col) => col.notNull())
      .addColumn('type', 'text', (col) => col.notNull())
      .addColumn('outcome', 'text', (col) => col.notNull())
      .addColumn('actor_account_id', 'text')
      .addColumn('target', 'text')
      .addColumn('client', 'text')
      .addColumn('user_agent', 'text')
      .addColumn('details', 'text', (col) => col.notNull())
      .execute();
    await db.schema
      .createIndex('security_events_actor')
      .on('security_events')
      .column('actor_account_id')
      .execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    for (const table of [
      'security_events',
      'invites',
      'sessions',
      'webauthn_challenges',
      'passkeys',
      'accounts',
    ]) {
      await db.schema.dropTable(table).execute();
    }
  },
};
