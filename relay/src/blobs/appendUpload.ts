import fs from 'node:fs';
import { TUS_CONTENT_TYPE } from '@vaultroom/shared';
import { ApiError } from '../api/ApiError.js';
import type { BlobContext } from './BlobContext.js';
import { blobPath, fsyncFile, holdsBlobBytes } from './blobFiles.js';
import { missingBytes } from './serveBlob.js';
import { advanceBlob, findBlob } from './blobRecords.js';

export interface AppendRequest {
  readonly id: string;
  readonly accountId: string;
  readonly contentType: string;
  readonly uploadOffset: string;
  readonly contentLength: string;
}

/** One PATCH's writer: chunks in as they arrive, then one close that makes them durable. */
export interface AppendWriter {
  /** Writes the next chunk at the upload's end; throws FILE_TOO_LARGE past Upload-Length, or
   *  the file system's error (ENOSPC on a full disk) with nothing of that chunk counted. */
  write(chunk: Buffer): void;
  /** fsyncs what was written, records it as the new offset and releases the upload; returns
   *  the offset. Every ending (body done, connection dropped, error) calls it; once is enough. */
  close(): Promise<number>;
}

/** Writes all of `chunk` at `position`; a short write is continued, a full disk throws. */
function writeAll(fd: number, chunk: Buffer, position: number): void {
  let done = 0;
  while (done < chunk.length) {
    done += fs.writeSync(fd, chunk, done, chunk.length - done, position + done);
  }
}

/**
 * tus PATCH (tus 1.0.0 §3.2.3): checks the request against the upload, then opens it for
 * appending. Bytes go to the file as they arrive; the offset moves only after fsync, so an offset
 * the relay ever reported survives a crash, and a resumed upload loses at most what was in flight.
 * One writer per upload at a time: a second PATCH meanwhile is a 409.
 */
export async function beginAppend(ctx: BlobContext, request: AppendRequest): Promise<AppendWriter> {
  if (request.contentType.toLowerCase() !== TUS_CONTENT_TYPE) {
    throw new ApiError('UNSUPPORTED_MEDIA_TYPE', `Send the bytes as ${TUS_CONTENT_TYPE}`);
  }
  if (!/^\d{1,16}$/.test(request.uploadOffset)) {
    throw new ApiError('BAD_REQUEST', 'Upload-Offset must be a whole number');
  }
  const blob = await findBlob(ctx.db, request.id);
  // Another account's upload is answered exactly like one that does not exist.
  if (blob?.account_id !== request.accountId) throw new ApiError('NOT_FOUND', 'No such file');
  if (ctx.busy.has(blob.id)) {
    throw new ApiError('CONFLICT', 'Another request is writing this upload; ask for its offset');
  }
  if (Number(request.uploadOffset) !== blob.offset) {
    throw new ApiError(
      'CONFLICT',
      'Upload-Offset is not the upload’s offset; ask for it with HEAD',
    );
  }
  const declared = request.contentLength === '' ? 0 : Number(request.contentLength);
  if (blob.offset + declared > blob.length) {
    throw new ApiError('FILE_TOO_LARGE', 'The body goes past Upload-Length');
  }
  // Bytes appended after a hole would be served as zeros: refuse, writing nothing.
  if (!holdsBlobBytes(ctx.dir, blob.id, blob.offset)) throw missingBytes(ctx);
  // Checked and claimed with no await in between: two PATCHes cannot both get here.
  ctx.busy.add(blob.id);
  let fd: number;
  try {
    const flags = fs.constants.O_WRONLY | fs.constants.O_CREAT;
    fd = fs.openSync(blobPath(ctx.dir, blob.id), flags, 0o600);
  } catch (error) {
    ctx.busy.delete(blob.id);
    throw error;
  }
  let position = blob.offset;
  let closing: Promise<number> | null = null;
  return {
    write(chunk) {
      if (closing !== null) return;
      if (position + chunk.length > blob.length) {
        throw new ApiError('FILE_TOO_LARGE', 'The body goes past Upload-Length');
      }
      writeAll(fd, chunk, position);
      position += chunk.length;
    },
    close: () =>
      (closing ??= (async () => {
        try {
          await fsyncFile(fd);
          if (position > blob.offset) {
            await advanceBlob(ctx.writes, blob, position, ctx.now(), ctx.settings.retentionMs);
          }
          return position;
        } finally {
          fs.closeSync(fd);
          ctx.busy.delete(blob.id);
        }
      })()),
  };
}
