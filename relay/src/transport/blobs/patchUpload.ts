import type { ApiError } from '../../api/ApiError.js';
import { beginAppend, type AppendRequest } from '../../blobs/appendUpload.js';
import type { BlobContext } from '../../blobs/BlobContext.js';
import { toBlobError } from '../../blobs/toBlobError.js';
import { replyEmpty, replyError } from './blobReplies.js';
import type { Connection } from './Connection.js';
import type { PausedBody } from './pausedBody.js';

/**
 * Streams a PATCH body into the upload. Whatever ends it (the last chunk, the client going away,
 * a full disk, a body past Upload-Length), what was written is made durable first; then the client,
 * if still there, hears the new offset or the refusal.
 */
export async function patchUpload(
  ctx: BlobContext,
  request: AppendRequest,
  body: PausedBody,
  connection: Connection,
): Promise<void> {
  const writer = await beginAppend(ctx, request);
  if (connection.aborted()) {
    // Gone while the request was checked: release the upload; the response may not be touched.
    await writer.close();
    return;
  }
  let stopped = false;
  const end = (refusal: ApiError | null) => {
    stopped = true;
    writer.close().then(
      (offset) => {
        if (connection.aborted()) return;
        if (refusal === null) {
          replyEmpty(connection.res, '204 No Content', [['Upload-Offset', String(offset)]]);
        } else {
          replyError(connection.res, refusal);
        }
      },
      (error: unknown) => {
        if (!connection.aborted()) replyError(connection.res, toBlobError(ctx, error));
      },
    );
  };
  connection.onAbort(() => {
    if (!stopped) end(null);
  });
  body.start((chunk, isLast) => {
    if (stopped) return;
    try {
      writer.write(chunk);
    } catch (error) {
      end(toBlobError(ctx, error));
      return;
    }
    if (isLast) end(null);
  });
}
