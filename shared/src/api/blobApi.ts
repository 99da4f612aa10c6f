/**
 * The file-blob part of the relay's HTTP API (PROTOCOL.md §2.10): resumable uploads with the
 * tus 1.0.0 core protocol and its creation and termination extensions, and downloads with Range.
 * Bodies are raw ciphertext (§1.16), never JSON; refusals are the API's JSON errors.
 */
export const BLOB_API = {
  /** POST with `Upload-Length`: creates an upload; `Location` names it. OPTIONS: tus discovery. */
  uploads: '/api/blobs',
  /** HEAD: the upload's offset; PATCH: append; GET: download; DELETE: the uploader removes it. */
  blob: (id: string): string => `/api/blobs/${id}`,
} as const;

/** The tus protocol version spoken, sent in `Tus-Resumable` by both sides. */
export const TUS_VERSION = '1.0.0';
/** tus extensions the relay offers (`Tus-Extension`). */
export const TUS_EXTENSIONS = ['creation', 'termination'] as const;
/** The media type of a PATCH body (tus 1.0.0 §3.2.3). */
export const TUS_CONTENT_TYPE = 'application/offset+octet-stream';

/** A blob id: 32 random bytes in base64url, 43 characters; anything else is refused unseen. */
export const BLOB_ID_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export function isBlobId(value: string): boolean {
  return BLOB_ID_PATTERN.test(value);
}
