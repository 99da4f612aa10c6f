import type { Kysely, Migration } from 'kysely';
import { portableTypes } from './portableTypes.js';

/** Devices with their public keys, the prekey directory, and the mailbox of envelopes. */
export const delivery: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    const types = portableTypes(db);
    await db.schema
      .createTable('devices')
      .addColumn('id', 'text', (col) => col.primaryKey())
      .addColumn('account_id', 'text', (col) =>
        col.notNull().references('accounts.id').onDelete('cascade'),
      )
      .addColumn('name', 'text', (col) => col.notNull())
      .addColumn('signing_key', types.bytes, (col) => col.notNull().unique())
      .addColumn('dh_key', types.bytes, (col) => col.notNull())
      .addColumn('dh_signature', types.bytes, (col) => col.notNull())
      .addColumn('created_at', types.integer, (col) => col.notNull())
      .addColumn('last_seen_at', types.integer)
      .addColumn('revoked_at', types.integer)
      .execute();
    await db.schema.createIndex('devices_account').on('devices').column('account_id').execute();

    for (const table of ['signed_prekeys', 'pq_prekeys'] as const) {
      await db.schema
        .createTable(table)
        .addColumn('device_id', 'text', (col) =>
          col.notNull().references('devices.id').onDelete('cascade'),
        )
        .addColumn('prekey_id', types.integer, (col) => col.notNull())
        .addColumn('public_key', types.bytes, (col) => col.notNull())
        .addColumn('signature', types.bytes, (col) => col.notNull())
        .addColumn('uploaded_at', types.integer, (col) => col.notNull())
        .addPrimaryKeyConstraint(`${table}_pk`, ['device_id', 'prekey_id'])
        .execute();
    }
    await db.schema
      .createTable('one_time_prekeys')
      .addColumn('device_id', 'text', (col) =>
        col.notNull().references('devices.id').onDelete('cascade'),
      )
      .addColumn('prekey_id', types.integer, (col) => col.notNull())
      .addColumn('public_key', types.bytes, (col) => col.notNull())
      .addPrimaryKeyConstraint('one_time_prekeys_pk', ['device_id', 'prekey_id'])
      .execute();

    await db.schema
      .createTable('envelopes')
      // The rowid orders a mailbox: envelopes drain in the order the relay accepted them.
      .addColumn('seq', types.integer, types.insertOrderKey)
      .addColumn('id', 'text', (col) => col.notNull().unique())
      .addColumn('recipient_device_id', 'text', (col) =>
        col.notNull().references('devices.id').onDelete('cascade'),
      )
      .addColumn('sender_device_id', 'text', (col) => col.notNull())
      .addColumn('msg_id', types.bytes, (col) => col.notNull())
      .addColumn('body', types.bytes, (col) => col.notNull())
      .addColumn('accepted_at', types.integer, (col) => col.notNull())
      .addColumn('expires_at', types.integer, (col) => col.notNull())
      // A retried send (same sender, message id and recipient) is stored once.
      .addUniqueConstraint('envelopes_once', ['recipient_device_id', 'sender_device_id', 'msg_id'])
      .execute();
    await db.schema
      .createIndex('envelopes_mailbox')
      .on('envelopes')
      .columns(['recipient_device_id', 'seq'])
      .execute();
    await db.schema.createIndex('envelopes_expiry').on('envelopes').column('expires_at').execute();

    await db.schema.alterTable('sessions').addColumn('device_id', 'text').execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('sessions').dropColumn('device_id').execute();
    for (const table of [
      'envelopes',
      'one_time_prekeys',
      'pq_prekeys',
      'signed_prekeys',
      'devices',
    ]) {
      await db.schema.dropTable(table).execute();
    }
  },
};
