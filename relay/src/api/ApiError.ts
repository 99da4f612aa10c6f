import type { ApiErrorCode } from '@vaultroom/shared';

export type { ApiErrorCode };

const STATUS: Record<ApiErrorCode, string> = {
  BAD_REQUEST: '400 Bad Request',
  BODY_TOO_LARGE: '413 Content Too Large',
  UNSUPPORTED_MEDIA_TYPE: '415 Unsupported Media Type',
  ORIGIN_REFUSED: '403 Forbidden',
  NOT_FOUND: '404 Not Found',
  METHOD_NOT_ALLOWED: '405 Method Not Allowed',
  UNAUTHENTICATED: '401 Unauthorized',
  FORBIDDEN: '403 Forbidden',
  REAUTH_REQUIRED: '403 Forbidden',
  CONFLICT: '409 Conflict',
  RATE_LIMITED: '429 Too Many Requests',
  CEREMONY_FAILED: '400 Bad Request',
  UNKNOWN_CREDENTIAL: '400 Bad Request',
  INVITE_INVALID: '400 Bad Request',
  ACCOUNT_DISABLED: '403 Forbidden',
  UNAVAILABLE: '503 Service Unavailable',
  PUSH_UNAVAILABLE: '503 Service Unavailable',
  FILE_TOO_LARGE: '413 Content Too Large',
  // The account's own limit, as cloud storage APIs answer it: the client's to lift, not the
  // relay's trouble, so a 4xx (5xx stays for what the relay cannot do, like a full disk).
  QUOTA_EXCEEDED: '403 Forbidden',
  STORAGE_FULL: '507 Insufficient Storage',
  PRECONDITION_FAILED: '412 Precondition Failed',
  RANGE_NOT_SATISFIABLE: '416 Range Not Satisfiable',
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
