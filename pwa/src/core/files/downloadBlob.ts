import { BLOB_API } from '@vaultroom/shared';
import { ApiRequestError, apiErrorFromResponse } from '../relay/ApiRequestError.js';
import type { Fetch } from './tusRequests.js';

export interface DownloadOptions {
  /** The blob's expected length: the ciphertext length of the pointer's size (§1.16.1). */
  readonly length: number;
  /** Bytes already held from an earlier, interrupted download: asked for with a Range. */
  readonly from?: number;
  readonly signal?: AbortSignal;
}

/**
 * Fetches a blob (PROTOCOL.md §2.10) from `from` to its end and yields its bytes as they arrive.
 * A partial answer must start where asked; a whole one (200) is skipped up to `from`. A body
 * longer than `length` is the decryptor's to refuse (TRAILING_DATA, §1.16.4), on its first extra
 * byte.
 */
export async function* downloadBlob(
  fetchFn: Fetch,
  blobId: string,
  options: DownloadOptions,
): AsyncIterable<Uint8Array> {
  const from = options.from ?? 0;
  const headers: Record<string, string> = from > 0 ? { Range: `bytes=${String(from)}-` } : {};
  let response: Response;
  try {
    response = await fetchFn(BLOB_API.blob(blobId), {
      method: 'GET',
      credentials: 'same-origin',
      headers,
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
  } catch (error) {
    if (options.signal?.aborted === true) throw error;
    throw new ApiRequestError('NETWORK', 'The relay could not be reached', 0);
  }
  if (!response.ok) {
    const body: unknown = await response.json().catch(() => undefined);
    throw apiErrorFromResponse(response.status, body, response.headers.get('Retry-After'));
  }
  let skip = 0;
  if (response.status === 206) {
    const range = /^bytes (\d+)-/.exec(response.headers.get('Content-Range') ?? '');
    if (Number(range?.[1]) !== from) {
      throw new ApiRequestError('UNKNOWN', 'The relay answered another range', 206);
    }
  } else {
    skip = from;
  }
  if (response.body === null) return;
  const reader = response.body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      let piece = value;
      if (skip > 0) {
        const dropped = Math.min(skip, piece.length);
        skip -= dropped;
        piece = piece.subarray(dropped);
      }
      if (piece.length > 0) yield piece;
    }
  } finally {
    reader.releaseLock();
  }
}
