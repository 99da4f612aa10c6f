import { ApiError } from '../api/ApiError.js';
import { isStorageUnavailable } from '../api/isStorageUnavailable.js';
import type { BlobContext } from './BlobContext.js';
import { isDiskFull } from './blobFiles.js';

/** What a client is told to wait before retrying on a full disk or a busy database. */
const RETRY_SECONDS = 5;

/**
 * The coded refusal for any failure of a blob request. A full disk, whether the file or SQLite
 * found it, is STORAGE_FULL as for envelopes (PROTOCOL.md §2.7); the upload keeps its durable
 * offset and resumes when space returns. Logs carry the error's code only: a file-system error
 * names its path, and the path holds the blob id, a capability that never goes to a log.
 */
export function toBlobError(ctx: Pick<BlobContext, 'log'>, error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  const code = (error as { code?: unknown } | null)?.code;
  const sqliteFull = typeof code === 'string' && code.startsWith('SQLITE_FULL');
  if (isDiskFull(error) || sqliteFull) {
    ctx.log.error({ code }, 'blob store: the disk is full');
    return new ApiError('STORAGE_FULL', 'The relay’s disk is full; try again later', RETRY_SECONDS);
  }
  if (isStorageUnavailable(error)) {
    ctx.log.error({ code }, 'blob store: the database is unavailable');
    return new ApiError(
      'UNAVAILABLE',
      'The relay cannot store anything right now; try again shortly',
      RETRY_SECONDS,
    );
  }
  ctx.log.error(
    { code: typeof code === 'string' ? code : undefined, name: (error as Error | null)?.name },
    'blob request failed',
  );
  return new ApiError('INTERNAL', 'Something went wrong on the relay');
}
