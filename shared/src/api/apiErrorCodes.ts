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
  'INTERNAL',
] as const;

export type ApiErrorCode = (typeof API_ERROR_CODES)[number];

const KNOWN_API_ERROR_CODES: ReadonlySet<string> = new Set(API_ERROR_CODES);

export function isApiErrorCode(code: string): code is ApiErrorCode {
  return KNOWN_API_ERROR_CODES.has(code);
}
