import type { Kysely, Migration } from 'kysely';

/**
 * The sending account's byte quota sums the envelopes its devices have stored: an index on the
 * sender keeps that a range read instead of a scan of every mailbox.
 */
export const envelopeSenders: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createIndex('envelopes_sender')
      .on('envelopes')
      .column('sender_device_id')
      .execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropIndex('envelopes_sender').execute();
  },
};
