import { BLOB_API, TUS_CONTENT_TYPE, TUS_VERSION } from '@vaultroom/shared';
import { ApiRequestError, apiErrorFromResponse } from '../relay/ApiRequestError.js';

/** The requests of the relay's tus 1.0.0 blob API (PROTOCOL.md §2.10), one function each. */
export type Fetch = (input: string, init: RequestInit) => Promise<Response>;

async function send(fetchFn: Fetch, path: string, init: RequestInit): Promise<Response> {
  let response: Response;
  try {
    response = await fetchFn(path, {
      ...init,
      credentials: 'same-origin',
      headers: { 'Tus-Resumable': TUS_VERSION, ...(init.headers as Record<string, string>) },
    });
  } catch (error) {
    if (init.signal?.aborted === true) throw error;
    throw new ApiRequestError('NETWORK', 'The relay could not be reached', 0);
  }
  if (response.ok) return response;
  const body: unknown = await response.json().catch(() => undefined);
  throw apiErrorFromResponse(response.status, body, response.headers.get('Retry-After'));
}

const offsetOf = (response: Response): number => {
  const value = Number(response.headers.get('Upload-Offset'));
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new ApiRequestError('UNKNOWN', 'The relay gave no upload offset', response.status);
  }
  return value;
};

/** POST: a new upload of `length` bytes; its path (`Location`). */
export async function createUpload(fetchFn: Fetch, length: number, signal?: AbortSignal) {
  const response = await send(fetchFn, BLOB_API.uploads, {
    method: 'POST',
    headers: { 'Upload-Length': String(length) },
    ...(signal === undefined ? {} : { signal }),
  });
  const location = response.headers.get('Location') ?? '';
  if (!location.startsWith(`${BLOB_API.uploads}/`)) {
    throw new ApiRequestError('UNKNOWN', 'The relay named no upload', response.status);
  }
  return location;
}

/** HEAD: the bytes the relay holds durably. */
export async function uploadOffset(fetchFn: Fetch, location: string, signal?: AbortSignal) {
  return offsetOf(
    await send(fetchFn, location, { method: 'HEAD', ...(signal === undefined ? {} : { signal }) }),
  );
}

/** PATCH: appends `body` at `offset`; the new offset. */
export async function appendUpload(
  fetchFn: Fetch,
  location: string,
  offset: number,
  body: Uint8Array<ArrayBuffer>,
  signal?: AbortSignal,
) {
  const response = await send(fetchFn, location, {
    method: 'PATCH',
    headers: { 'Upload-Offset': String(offset), 'Content-Type': TUS_CONTENT_TYPE },
    // A Blob, not the bytes: Chromium kept every ArrayBuffer body in the page's memory (the
    // files bench saw the sending page ~190 MiB above idle after a 100 MiB upload, and none
    // with a Blob, whose bytes go to the browser's blob store).
    body: new Blob([body]),
    ...(signal === undefined ? {} : { signal }),
  });
  return offsetOf(response);
}
