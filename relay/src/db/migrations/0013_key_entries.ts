import type { Kysely, Migration } from 'kysely';
import { portableTypes } from './portableTypes.js';

/**
 * Where each public key object is in the audit log (PROTOCOL.md §3.8): the SHA-256 of the object
 * (an account key, certificate, device list or a device's identity keys) and the event that logged
 * it, so the relay finds the leaf to prove without reading the log.
 */
export const keyEntries: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    const types = portableTypes(db);
    await db.schema
      .createTable('key_entries')
      .addColumn('object_hash', types.bytes, (col) => col.primaryKey())
      .addColumn('account_id', 'text', (col) => col.notNull())
      .addColumn('seq', types.integer, (col) => col.notNull())
      .execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable('key_entries').execute();
  },
};
