import { sql, type Kysely, type Migration } from 'kysely';

export const relayMeta: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('relay_meta')
      .addColumn('key', 'text', (col) => col.primaryKey())
      .addColumn('value', 'text', (col) => col.notNull())
      .addColumn('updated_at', 'text', (col) =>
        col.notNull().defaultTo(sql`(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))`),
      )
      .execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable('relay_meta').execute();
  },
};
