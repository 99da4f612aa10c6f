import { sql, type Kysely, type Migration } from 'kysely';

/**
 * Signed and X-Wing prekeys carry their creation time, covered by their signature (PROTOCOL.md
 * §1.4.1, protocol version 5). Keys stored before were signed without it: no client accepts
 * them any more, so they are dropped rather than served. Their devices publish dated keys at
 * their next connection; until then they look, to senders, like devices not ready to receive.
 */
export const datedPrekeys: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    for (const table of ['signed_prekeys', 'pq_prekeys']) {
      await sql`DELETE FROM ${sql.table(table)}`.execute(db);
      await db.schema
        .alterTable(table)
        .addColumn('created_at', 'bigint', (column) => column.notNull().defaultTo(0))
        .execute();
    }
  },
  async down(db: Kysely<unknown>): Promise<void> {
    for (const table of ['signed_prekeys', 'pq_prekeys']) {
      await sql`DELETE FROM ${sql.table(table)}`.execute(db);
      await db.schema.alterTable(table).dropColumn('created_at').execute();
    }
  },
};
