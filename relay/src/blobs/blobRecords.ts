import type { Kysely } from 'kysely';
import { ApiError } from '../api/ApiError.js';
import type { BlobsTable, RelayDatabase } from '../db/schema.js';
import { changes, firstOrThrow, type WriteStore } from '../db/WriteStore.js';

type Db = Kysely<RelayDatabase>;

/** Uploads one account may have unfinished at once: far above a person's, a wall for a script. */
export const MAX_UNFINISHED_UPLOADS = 64;

export type BlobRow = Pick<
  BlobsTable,
  'id' | 'account_id' | 'length' | 'offset' | 'completed_at' | 'expires_at'
>;

export async function findBlob(db: Db, id: string): Promise<BlobRow | undefined> {
  return db
    .selectFrom('blobs')
    .select(['id', 'account_id', 'length', 'offset', 'completed_at', 'expires_at'])
    .where('id', '=', id)
    .executeTakeFirst();
}

/**
 * Reserves `length` bytes of the account's quota and records the upload, in one operation so
 * that parallel creations cannot together pass the quota.
 */
export async function createBlob(
  writes: WriteStore,
  row: { id: string; accountId: string; length: number; now: number; expiresAt: number },
  quotaBytes: number,
): Promise<void> {
  await writes.write(function* (tx) {
    const used = yield* firstOrThrow(
      tx.db
        .selectFrom('blobs')
        .select((eb) => eb.fn.coalesce(eb.fn.sum<number>('length'), eb.lit(0)).as('bytes'))
        .where('account_id', '=', row.accountId),
    );
    // Unfinished uploads cost a row each whatever their size: a bound on those too.
    const unfinished = yield* firstOrThrow(
      tx.db
        .selectFrom('blobs')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('account_id', '=', row.accountId)
        .where('completed_at', 'is', null),
    );
    if (unfinished.n >= MAX_UNFINISHED_UPLOADS) {
      throw new ApiError(
        'QUOTA_EXCEEDED',
        `At most ${MAX_UNFINISHED_UPLOADS} uploads may be unfinished at once; finish or delete one`,
      );
    }
    if (used.bytes + row.length > quotaBytes) {
      throw new ApiError(
        'QUOTA_EXCEEDED',
        'Your stored files would exceed your quota; older ones expire in time',
      );
    }
    yield* changes(
      tx.db.insertInto('blobs').values({
        id: row.id,
        account_id: row.accountId,
        length: row.length,
        offset: 0,
        created_at: row.now,
        completed_at: null,
        expires_at: row.expiresAt,
      }),
    );
  });
}

/**
 * Records bytes that are on disk. Completing an upload starts its retention: a blob lives the
 * retention period from the moment it could first be downloaded.
 */
export async function advanceBlob(
  writes: WriteStore,
  blob: BlobRow,
  offset: number,
  now: number,
  retentionMs: number,
): Promise<void> {
  const complete = offset === blob.length;
  await writes.write((tx) =>
    changes(
      tx.db
        .updateTable('blobs')
        .set({
          offset,
          ...(complete ? { completed_at: now, expires_at: now + retentionMs } : {}),
        })
        .where('id', '=', blob.id),
    ),
  );
}

export async function deleteBlobRow(writes: WriteStore, id: string): Promise<void> {
  await writes.write((tx) => changes(tx.db.deleteFrom('blobs').where('id', '=', id)));
}

export async function expiredBlobIds(db: Db, now: number): Promise<string[]> {
  const rows = await db.selectFrom('blobs').select('id').where('expires_at', '<=', now).execute();
  return rows.map((row) => row.id);
}

export async function allBlobIds(db: Db): Promise<Set<string>> {
  const rows = await db.selectFrom('blobs').select('id').execute();
  return new Set(rows.map((row) => row.id));
}
