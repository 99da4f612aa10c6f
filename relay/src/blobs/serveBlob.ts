import parseRange from 'range-parser';
import { ApiError } from '../api/ApiError.js';
import type { BlobContext } from './BlobContext.js';
import { blobPath, holdsBlobBytes } from './blobFiles.js';
import { findBlob, type BlobRow } from './blobRecords.js';

/**
 * Who may see a blob: a finished one, any signed-in account holding its id (the id is the
 * capability, given only inside end-to-end encrypted pointers); an unfinished one, its uploader.
 * Everything else is the same 404, so no answer tells "exists" from "not yours".
 */
export async function visibleBlob(
  ctx: BlobContext,
  id: string,
  accountId: string,
  unfinishedToo: boolean,
): Promise<BlobRow> {
  const blob = await findBlob(ctx.db, id);
  if (blob === undefined) throw new ApiError('NOT_FOUND', 'No such file');
  const finished = blob.completed_at !== null;
  if (!finished && !(unfinishedToo && blob.account_id === accountId)) {
    throw new ApiError('NOT_FOUND', 'No such file');
  }
  return blob;
}

/**
 * The database names a blob whose bytes are not on this relay's disk: `blobs/` not shared between
 * relays, or a file lost. Logged for the operator; the client may try again (another relay).
 */
export function missingBytes(ctx: BlobContext): ApiError {
  // Without the id: it is the capability to the file (README), never logged.
  ctx.log.error(
    'a blob the database names is missing from blobs/ (relays sharing a database must share it)',
  );
  return new ApiError('UNAVAILABLE', 'This relay does not have the file’s bytes; try again');
}

/** A range wholly outside the blob; the answer names the blob's length (RFC 9110 §15.5.17). */
export class RangeNotSatisfiableError extends ApiError {
  constructor(readonly total: number) {
    super('RANGE_NOT_SATISFIABLE', 'The range is outside the file');
  }
}

export interface Download {
  readonly file: string;
  readonly total: number;
  /** Null: the whole blob (200); else one range (206). */
  readonly range: { readonly start: number; readonly end: number } | null;
}

/**
 * A GET, whole or one byte range (RFC 9110 §14). An unparsable Range is ignored, as §14.2 allows;
 * so are several ranges, answered with the whole blob rather than multipart (the app asks for one
 * range at a time). A range wholly outside the blob is RANGE_NOT_SATISFIABLE.
 */
export async function planDownload(
  ctx: BlobContext,
  id: string,
  accountId: string,
  rangeHeader: string,
): Promise<Download> {
  const blob = await visibleBlob(ctx, id, accountId, false);
  if (!holdsBlobBytes(ctx.dir, blob.id, blob.length)) throw missingBytes(ctx);
  const file = blobPath(ctx.dir, blob.id);
  if (rangeHeader === '') return { file, total: blob.length, range: null };
  const parsed = parseRange(blob.length, rangeHeader, { combine: true });
  if (parsed === -1) {
    throw new RangeNotSatisfiableError(blob.length);
  }
  const first = parsed !== -2 && parsed.type === 'bytes' && parsed.length === 1 ? parsed[0] : null;
  return { file, total: blob.length, range: first ?? null };
}
