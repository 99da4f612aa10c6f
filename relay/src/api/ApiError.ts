/** Every refusal the JSON API can give; clients switch on the code, never on the message. */
export type ApiErrorCode =
  | 'BAD_REQUEST'
  | 'BODY_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'ORIGIN_REFUSED'
  | 'NOT_FOUND'
  | 'METHOD_NOT_ALLOWED'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'CONFLICT'
  | 'RATE_LIMITED'
  | 'CEREMONY_FAILED'
  | 'UNKNOWN_CREDENTIAL'
  | 'INVITE_INVALID'
  | 'ACCOUNT_DISABLED'
  /** The database cannot take a write now (disk full, locked): retry after Retry-After. */
  | 'UNAVAILABLE'
  /** Push notifications are turned off here, or the relay cannot reach the push service. */
  | 'PUSH_UNAVAILABLE'
  | 'INTERNAL';

const STATUS: Record<ApiErrorCode, string> = {
  BAD_REQUEST: '400 Bad Request',
  BODY_TOO_LARGE: '413 Content Too Large',
  UNSUPPORTED_MEDIA_TYPE: '415 Unsupported Media Type',
  ORIGIN_REFUSED: '403 Forbidden',
  NOT_FOUND: '404 Not Found',
  METHOD_NOT_ALLOWED: '405 Method Not Allowed',
  UNAUTHENTICATED: '401 Unauthorized',
  FORBIDDEN: '403 Forbidden',
  CONFLICT: '409 Conflict',
  RATE_LIMITED: '429 Too Many Requests',
  CEREMONY_FAILED: '400 Bad Request',
  UNKNOWN_CREDENTIAL: '400 Bad Request',
  INVITE_INVALID: '400 Bad Request',
  ACCOUNT_DISABLED: '403 Forbidden',
  UNAVAILABLE: '503 Service Unavailable',
  PUSH_UNAVAILABLE: '503 Service Unavailable',
  INTERNAL: '500 Internal Server Error',
};

/**
 * A refusal with a code and a message safe to show to the user. Messages never echo secrets: no
 * tokens, challenges or keys, only what the request did wrong.
 */
export class ApiError extends Error {
  constructor(
    readonly code: ApiErrorCode,
    message: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  get status(): string {
    return STATUS[this.code];
  }
}
