/**
 * Every refusal the relay's JSON API can give, as `{ error: { code, message } }`. Clients switch
 * on the code, never on the message. The relay's `ApiError` takes only these codes, and the PWA
 * recognises exactly these, so a code added here is a compile error wherever it lacks a meaning.
 */
export const API_ERROR_CODES = [
  'BAD_REQUEST',
  'BODY_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
  'ORIGIN_REFUSED',
  'NOT_FOUND',
  'METHOD_NOT_ALLOWED',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  /** The action needs a fresh user verification with a passkey (within 5 minutes). */
  'REAUTH_REQUIRED',
  'CONFLICT',
  'RATE_LIMITED',
  'CEREMONY_FAILED',
  'UNKNOWN_CREDENTIAL',
  'INVITE_INVALID',
  'ACCOUNT_DISABLED',
  /** The database cannot take a write now (disk full, locked): retry after Retry-After. */
  'UNAVAILABLE',
  /** Push notifications are turned off here, or the relay cannot reach the push service. */
  'PUSH_UNAVAILABLE',
  /** A file (blob upload) larger than the relay's maximum. */
  'FILE_TOO_LARGE',
  /** The account's stored blobs would exceed its quota: wait for some to expire, or delete some. */
  'QUOTA_EXCEEDED',
  /** The relay's disk is full: nothing more was stored; retry after Retry-After. */
  'STORAGE_FULL',
  /** A download's Range lies outside the file (416, with `Content-Range: bytes *\/<length>`). */
  'RANGE_NOT_SATISFIABLE',
  /** A request for a protocol version the relay does not speak (tus `Tus-Resumable`). */
  'PRECONDITION_FAILED',
  'INTERNAL',
] as const;

export type ApiErrorCode = (typeof API_ERROR_CODES)[number];

const KNOWN_API_ERROR_CODES: ReadonlySet<string> = new Set(API_ERROR_CODES);

export function isApiErrorCode(code: string): code is ApiErrorCode {
  return KNOWN_API_ERROR_CODES.has(code);
}
