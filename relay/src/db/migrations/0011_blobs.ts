import type { Kysely, Migration } from 'kysely';
import { portableTypes } from './portableTypes.js';

/**
 * File blobs (PROTOCOL.md §2.10): the bytes live in `<data>/blobs/<id>`, this row says whose upload
 * it is, how long it will be, how much of it is durable, and when it goes. `length` is reserved
 * against the account's quota from creation, so parallel uploads cannot overshoot it.
 */
export const blobs: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    const types = portableTypes(db);
    await db.schema
      .createTable('blobs')
      .addColumn('id', 'text', (col) => col.primaryKey())
      .addColumn('account_id', 'text', (col) =>
        col.notNull().references('accounts.id').onDelete('cascade'),
      )
      .addColumn('length', types.integer, (col) => col.notNull())
      .addColumn('offset', types.integer, (col) => col.notNull())
      .addColumn('created_at', types.integer, (col) => col.notNull())
      .addColumn('completed_at', types.integer)
      .addColumn('expires_at', types.integer, (col) => col.notNull())
      .execute();
    await db.schema.createIndex('blobs_account').on('blobs').column('account_id').execute();
    await db.schema.createIndex('blobs_expires').on('blobs').column('expires_at').execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable('blobs').execute();
  },
};
