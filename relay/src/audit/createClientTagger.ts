import { createHmac, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { RelayDatabase } from '../db/schema.js';
import { changes, type WriteStore } from '../db/WriteStore.js';

const KEY_NAME = 'client_tag_key';

/**
 * Client addresses are stored only as a keyed hash: the same address gives the same tag, so
 * repeated failures from one place can be seen, but the table alone does not reveal who it was.
 * The key is random per installation and never leaves the database.
 */
export async function createClientTagger(
  db: Kysely<RelayDatabase>,
  writes: WriteStore,
): Promise<(address: string) => string> {
  let row = await db
    .selectFrom('relay_meta')
    .select('value')
    .where('key', '=', KEY_NAME)
    .executeTakeFirst();
  if (row === undefined) {
    const value = randomBytes(32).toString('base64url');
    await writes.write((tx) =>
      changes(
        tx.db
          .insertInto('relay_meta')
          .values({ key: KEY_NAME, value })
          .onConflict((oc) => oc.doNothing()),
      ),
    );
    row = await db
      .selectFrom('relay_meta')
      .select('value')
      .where('key', '=', KEY_NAME)
      .executeTakeFirstOrThrow();
  }
  const key = Buffer.from(row.value, 'base64url');
  return (address) => createHmac('sha256', key).update(address).digest('base64url').slice(0, 22);
}
