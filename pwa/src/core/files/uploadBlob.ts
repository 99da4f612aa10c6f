import { ApiRequestError } from '../relay/ApiRequestError.js';
import { appendUpload, createUpload, uploadOffset, type Fetch } from './tusRequests.js';

export interface UploadPorts {
  readonly fetch: Fetch;
  readonly sleep: (ms: number) => Promise<void>;
}

export interface UploadOptions {
  /** The ciphertext's exact length (attachmentCiphertextLength of the file's size). */
  readonly length: number;
  /**
   * The ciphertext from `offset` to its end, in pieces, started afresh after each failure. The
   * encryption is deterministic for a given key and header, so a source may re-encrypt the file
   * from the start and skip `offset` bytes rather than keep the ciphertext anywhere.
   */
  readonly source: (offset: number) => AsyncIterable<Uint8Array>;
  /** An upload made earlier (kept across a reload by `onCreated`), to resume instead of create. */
  readonly location?: string;
  readonly onCreated?: (location: string) => void;
  readonly onProgress?: (offset: number) => void;
  readonly signal?: AbortSignal;
  /** Bytes per PATCH: the most a failure can cost again. */
  readonly pieceBytes?: number;
  /** Failures in a row (no progress between them) before giving up. */
  readonly maxAttempts?: number;
}

const PIECE_BYTES = 4 * 1024 * 1024;
const MAX_ATTEMPTS = 8;

/** Refusals worth trying again: no answer, a busy or full relay, or another writer (409). */
function isTransient(error: unknown): boolean {
  if (!(error instanceof ApiRequestError)) return false;
  return (
    error.code === 'NETWORK' ||
    error.code === 'CONFLICT' ||
    error.code === 'STORAGE_FULL' ||
    error.code === 'UNAVAILABLE' ||
    error.code === 'RATE_LIMITED' ||
    error.code === 'INTERNAL'
  );
}

/** Backoff with full jitter, 1 s doubling to 60 s, or the relay's Retry-After when it gave one. */
function delayFor(error: unknown, attempt: number): number {
  if (error instanceof ApiRequestError && error.retryAfterSeconds !== undefined) {
    return error.retryAfterSeconds * 1000;
  }
  return Math.random() * Math.min(60_000, 1000 * 2 ** attempt);
}

/** Sends the source from `offset` in PATCHes of at most `pieceBytes`; the final offset. */
async function sendFrom(
  ports: UploadPorts,
  location: string,
  start: number,
  options: UploadOptions,
  pieceBytes: number,
  advanced: () => void,
): Promise<number> {
  let offset = start;
  let buffer = new Uint8Array(Math.min(pieceBytes, options.length - offset));
  let filled = 0;
  const flush = async () => {
    offset = await appendUpload(
      ports.fetch,
      location,
      offset,
      buffer.subarray(0, filled),
      options.signal,
    );
    filled = 0;
    advanced();
    options.onProgress?.(offset);
    buffer = new Uint8Array(Math.min(pieceBytes, Math.max(1, options.length - offset)));
  };
  for await (const piece of options.source(offset)) {
    let at = 0;
    while (at < piece.length) {
      const take = Math.min(buffer.length - filled, piece.length - at);
      buffer.set(piece.subarray(at, at + take), filled);
      filled += take;
      at += take;
      if (filled === buffer.length) await flush();
    }
  }
  if (filled > 0) await flush();
  return offset;
}

/**
 * Uploads one blob with the relay's tus API (PROTOCOL.md §2.10) and returns its id. A dropped
 * connection, a relay restart or a full disk costs at most one piece: the client asks the relay
 * for its durable offset and goes on from there. Permanent refusals (FILE_TOO_LARGE,
 * QUOTA_EXCEEDED, NOT_FOUND for an expired upload, UNAUTHENTICATED) are thrown as they are.
 */
export async function uploadBlob(ports: UploadPorts, options: UploadOptions): Promise<string> {
  const pieceBytes = options.pieceBytes ?? PIECE_BYTES;
  const maxAttempts = options.maxAttempts ?? MAX_ATTEMPTS;
  let location = options.location;
  if (location === undefined) {
    location = await createUpload(ports.fetch, options.length, options.signal);
    options.onCreated?.(location);
  }
  let offset = options.location === undefined ? 0 : -1;
  let failures = 0;
  for (;;) {
    try {
      if (offset < 0) offset = await uploadOffset(ports.fetch, location, options.signal);
      offset = await sendFrom(ports, location, offset, options, pieceBytes, () => {
        // Progress since the last failure: the relay is there, so count failures afresh.
        failures = 0;
      });
      if (offset === options.length) return location.slice(location.lastIndexOf('/') + 1);
      throw new ApiRequestError('UNKNOWN', 'The source ended before the upload did', 0);
    } catch (error) {
      if (options.signal?.aborted === true || !isTransient(error)) throw error;
      failures++;
      if (failures >= maxAttempts) throw error;
      await ports.sleep(delayFor(error, failures));
      offset = -1;
    }
  }
}
