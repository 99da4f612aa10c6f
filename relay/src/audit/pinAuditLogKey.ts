import type { Kysely } from 'kysely';
import type { RelayDatabase } from '../db/schema.js';
import { changes, type WriteStore } from '../db/WriteStore.js';
import { StartupError } from '../lifecycle/StartupError.js';

const META_KEY = 'audit_verifier_key';

/**
 * Relays sharing one database sign one audit log, so they must sign with one key: checkpoints of
 * two keys would make every device's check against the other fail. The first relay to start
 * records its verifier key in the database; a relay whose key file holds another key refuses to
 * start, telling the operator to copy the first one's key file instead.
 */
export async function pinAuditLogKey(
  db: Kysely<RelayDatabase>,
  writes: WriteStore,
  verifierKey: string,
  keyFile: string,
): Promise<void> {
  await writes.write((tx) =>
    changes(
      tx.db
        .insertInto('relay_meta')
        .values({ key: META_KEY, value: verifierKey })
        .onConflict((conflict) => conflict.doNothing()),
    ),
  );
  const pinned = await db
    .selectFrom('relay_meta')
    .select('value')
    .where('key', '=', META_KEY)
    .executeTakeFirstOrThrow();
  if (pinned.value !== verifierKey) {
    throw new StartupError(
      'AUDIT_KEY_MISMATCH',
      `the audit log key in ${keyFile} is not the one the relays on this database sign with (${pinned.value}): copy log-key.secret from the data directory of a relay already running on this database into this one's, then start again`,
    );
  }
}
