import { sql, type Kysely, type Migration } from 'kysely';
import { portableTypes } from './portableTypes.js';

/**
 * Device trust (PROTOCOL.md §2.9): per account its account key and current signed device list,
 * the certificates that list names, and the account key sealed under each passkey's PRF output;
 * which passkey's session registered each device, and when a session last verified its user.
 *
 * The relay only stores these objects: clients verify them (§1.15.6). Versions and times are
 * `bigint`, not `integer`: a list version may reach 2^53 − 1 and times are milliseconds, both past
 * PostgreSQL's 32-bit `integer` (SQLite stores either as its 64-bit integer).
 */
export const deviceTrust: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    const types = portableTypes(db);
    await db.schema
      .createTable('account_trust')
      .addColumn('account_id', 'text', (col) =>
        col.primaryKey().references('accounts.id').onDelete('cascade'),
      )
      .addColumn('account_key', types.bytes, (col) => col.notNull())
      .addColumn('device_list', types.bytes, (col) => col.notNull())
      .addColumn('list_version', 'bigint', (col) => col.notNull())
      .addColumn('updated_at', 'bigint', (col) => col.notNull())
      .execute();

    await db.schema
      .createTable('device_certificates')
      .addColumn('device_id', 'text', (col) =>
        col.primaryKey().references('devices.id').onDelete('cascade'),
      )
      .addColumn('account_id', 'text', (col) =>
        col.notNull().references('accounts.id').onDelete('cascade'),
      )
      .addColumn('certificate', types.bytes, (col) => col.notNull())
      .addColumn('certificate_hash', types.bytes, (col) => col.notNull())
      .addColumn('stored_at', 'bigint', (col) => col.notNull())
      .execute();
    await db.schema
      .createIndex('device_certificates_account')
      .on('device_certificates')
      .column('account_id')
      .execute();

    // One sealed account key per passkey; removing the passkey removes its blob.
    await db.schema
      .createTable('sealed_account_keys')
      .addColumn('credential_id', 'text', (col) =>
        col.primaryKey().references('passkeys.id').onDelete('cascade'),
      )
      .addColumn('account_id', 'text', (col) =>
        col.notNull().references('accounts.id').onDelete('cascade'),
      )
      .addColumn('sealed', types.bytes, (col) => col.notNull())
      .addColumn('stored_at', 'bigint', (col) => col.notNull())
      .execute();

    // No foreign key: the credential may be removed later, and the device keeps its history.
    await db.schema.alterTable('devices').addColumn('registered_with_credential', 'text').execute();
    // Devices registered before this migration: the passkey of the earliest session that spoke
    // for the device is the best record of who registered it. Devices with no such session stay
    // null and are bound at their next hello (see checkHelloDevice).
    await sql`
      UPDATE devices SET registered_with_credential = (
        SELECT sessions.passkey_id FROM sessions
        WHERE sessions.device_id = devices.id AND sessions.passkey_id IS NOT NULL
        ORDER BY sessions.created_at LIMIT 1
      )`.execute(db);

    // Epoch milliseconds of the session's last user verification with a passkey; null: none yet.
    await db.schema.alterTable('sessions').addColumn('verified_at', 'bigint').execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('sessions').dropColumn('verified_at').execute();
    await db.schema.alterTable('devices').dropColumn('registered_with_credential').execute();
    for (const table of ['sealed_account_keys', 'device_certificates', 'account_trust']) {
      await db.schema.dropTable(table).execute();
    }
  },
};
