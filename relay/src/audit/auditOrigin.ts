import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { RelayDatabase } from '../db/schema.js';
import { changes, type WriteStore } from '../db/WriteStore.js';

/**
 * The log's origin line: the relay's name plus a random installation id, so checkpoints of two
 * relays (or of a reinstalled one) can never be confused. Fixed at the first start.
 */
export async function auditOrigin(
  db: Kysely<RelayDatabase>,
  writes: WriteStore,
  hostname: string,
): Promise<string> {
  const existing = await db
    .selectFrom('relay_meta')
    .select('value')
    .where('key', '=', 'audit_origin')
    .executeTakeFirst();
  if (existing !== undefined) return existing.value;
  const origin = `${hostname}/vaultroom-audit/${randomBytes(6).toString('hex')}`;
  await writes.write((tx) =>
    changes(
      tx.db
        .insertInto('relay_meta')
        .values({ key: 'audit_origin', value: origin })
        .onConflict((oc) => oc.doNothing()),
    ),
  );
  const stored = await db
    .selectFrom('relay_meta')
    .select('value')
    .where('key', '=', 'audit_origin')
    .executeTakeFirstOrThrow();
  return stored.value;
}
