import { ApiError } from '../api/ApiError.js';
import type { BlobContext } from './BlobContext.js';
import { removeBlobFile } from './blobFiles.js';
import { deleteBlobRow, findBlob } from './blobRecords.js';

/**
 * tus termination (tus 1.0.0 §6.4): the uploader removes its blob, finished or not, e.g. when a
 * disappearing message's timer ends or a send is cancelled. The row goes first, so a crash in
 * between leaves only an orphan file, which the sweep removes.
 */
export async function deleteUpload(ctx: BlobContext, id: string, accountId: string): Promise<void> {
  const blob = await findBlob(ctx.db, id);
  if (blob?.account_id !== accountId) throw new ApiError('NOT_FOUND', 'No such file');
  if (ctx.busy.has(id)) {
    throw new ApiError('CONFLICT', 'The upload is being written; try again when it stops');
  }
  await deleteBlobRow(ctx.writes, id);
  removeBlobFile(ctx.dir, id);
}
