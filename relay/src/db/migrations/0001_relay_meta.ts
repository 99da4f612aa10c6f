import type { Kysely, Migration } from 'kysely';
import { portableTypes } from './portableTypes.js';

export const relayMeta: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    const types = portableTypes(db);
    await db.schema
      .createTable('relay_meta')
      .addColumn('key', 'text', (col) => col.primaryKey())
      .addColumn('value', 'text', (col) => col.notNull())
      .addColumn('updated_at', 'text', (col) => col.notNull().defaultTo(types.nowAsText))
      .execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable('relay_meta').execute();
  },
};
