import type { Kysely, Migration } from 'kysely';

/** Devices with their public keys, the prekey directory, and the mailbox of envelopes. */
export const delivery: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('devices')
      .addColumn('id', 'text', (col) => col.primaryKey())
      .addColumn('account_id', 'text', (col) =>
        col.notNull().references('accounts.id').onDelete('cascade'),
      )
      .addColumn('name', 'text', (col) => col.notNull())
      .addColumn('signing_key', 'blob', (col) => col.notNull().unique())
      .addColumn('dh_key', 'blob', (col) => col.notNull())
      .addColumn('dh_signature', 'blob', (col) => col.notNull())
      .addColumn('created_at', 'integer', (col) => col.notNull())
      .addColumn('last_seen_at', 'integer')
      .addColumn('revoked_at', 'integer')
      .execute();
    await db.schema.createIndex('devices_account').on('devices').column('account_id').execute();

    for (const table of ['signed_prekeys', 'pq_prekeys'] as const) {
      await db.schema
        .createTable(table)
        .addColumn('device_id', 'text', (col) =>
          col.notNull().references('devices.id').onDelete('cascade'),
        )
        .addColumn('prekey_id', 'integer', (col) => col.notNull())
        .addColumn('public_key', 'blob', (col) => col.notNull())
        .addColumn('signature', 'blob', (col) => col.notNull())
        .addColumn('uploaded_at', 'integer', (col) => col.notNull())
        .addPrimaryKeyConstraint(`${table}_pk`, ['device_id', 'prekey_id'])
        .execute();
    }
    await db.schema
      .createTable('one_time_prekeys')
      .addColumn('device_id', 'text', (col) =>
        col.notNull().references('devices.id').onDelete('cascade'),
      )
      .addColumn('prekey_id', 'integer', (col) => col.notNull())
      .addColumn('public_key', 'blob', (col) => col.notNull())
      .addPrimaryKeyConstraint('one_time_prekeys_pk', ['device_id', 'prekey_id'])
      .execute();

    await db.schema
      .createTable('envelopes')
      // The rowid orders a mailbox: envelopes drain in the order the relay accepted them.
      .addColumn('seq', 'integer', (col) => col.primaryKey().autoIncrement())
      .addColumn('id', 'text', (col) => col.notNull().unique())
      .addColumn('recipient_device_id', 'text', (col) =>
        col.notNull().references('devices.id').onDelete('cascade'),
      )
      .addColumn('sender_device_id', 'text', (col) => col.notNull())
      .addColumn('msg_id', 'blob', (col) => col.notNull())
      .addColumn('body', 'blob', (col) => col.notNull())
      .addColumn('accepted_at', 'integer', (col) => col.notNull())
      .addColumn('expires_at', 'integer', (col) => col.notNull())
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
