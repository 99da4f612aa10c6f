import type { BlobContext } from './BlobContext.js';
import { listBlobFiles, removeBlobFile } from './blobFiles.js';
import { allBlobIds, deleteBlobRow, expiredBlobIds } from './blobRecords.js';

export interface SweepResult {
  readonly expired: number;
  readonly orphans: number;
}

/**
 * Deletes what has outlived its time: finished blobs past the retention period and uploads left
 * unfinished past their expiry, row first, then file. Then files that no row names (a crash
 * between the two steps, an account deleted with its rows): the directory is listed before the
 * rows are read, so a file created meanwhile is never mistaken for an orphan. Uploads being
 * written are left for the next sweep.
 */
export async function sweepBlobs(ctx: BlobContext): Promise<SweepResult> {
  let expired = 0;
  for (const id of await expiredBlobIds(ctx.db, ctx.now())) {
    if (ctx.busy.has(id)) continue;
    await deleteBlobRow(ctx.writes, id);
    removeBlobFile(ctx.dir, id);
    expired++;
  }
  const files = listBlobFiles(ctx.dir);
  const known = await allBlobIds(ctx.db);
  let orphans = 0;
  for (const name of files) {
    if (known.has(name) || ctx.busy.has(name)) continue;
    removeBlobFile(ctx.dir, name);
    orphans++;
  }
  return { expired, orphans };
}
