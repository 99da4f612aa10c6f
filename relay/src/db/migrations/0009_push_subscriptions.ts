import type { Kysely, Migration } from 'kysely';
import { portableTypes } from './portableTypes.js';

/**
 * One Web Push subscription per device (RFC 8030 endpoint and RFC 8291 keys), bound to the session
 * that registered it: when that session ends (sign-out, revocation) the subscription goes too.
 */
export const pushSubscriptions: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    const types = portableTypes(db);
    await db.schema
      .createTable('push_subscriptions')
      .addColumn('device_id', 'text', (col) =>
        col.primaryKey().references('devices.id').onDelete('cascade'),
      )
      .addColumn('account_id', 'text', (col) =>
        col.notNull().references('accounts.id').onDelete('cascade'),
      )
      .addColumn('session_id', 'text', (col) => col.notNull())
      .addColumn('endpoint', 'text', (col) => col.notNull())
      .addColumn('p256dh', 'text', (col) => col.notNull())
      .addColumn('auth', 'text', (col) => col.notNull())
      .addColumn('show_sender', types.integer, (col) => col.notNull())
      .addColumn('created_at', types.integer, (col) => col.notNull())
      .execute();
    await db.schema
      .createIndex('push_subscriptions_account')
      .on('push_subscriptions')
      .column('account_id')
      .execute();
    await db.schema
      .createIndex('push_subscriptions_session')
      .on('push_subscriptions')
      .column('session_id')
      .execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable('push_subscriptions').execute();
  },
};
