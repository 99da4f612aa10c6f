/** Codes the relay's JSON API answers with; the interface translates the ones it knows. */
export type ApiErrorCode =
  | 'BAD_REQUEST'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'RATE_LIMITED'
  | 'CEREMONY_FAILED'
  | 'INVITE_INVALID'
  | 'ACCOUNT_DISABLED'
  /** Push notifications are off on the relay, or it cannot reach the push service. */
  | 'PUSH_UNAVAILABLE'
  | 'NETWORK'
  | 'UNKNOWN';

const KNOWN: ReadonlySet<string> = new Set<ApiErrorCode>([
  'BAD_REQUEST',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'NOT_FOUND',
  'CONFLICT',
  'RATE_LIMITED',
  'CEREMONY_FAILED',
  'INVITE_INVALID',
  'ACCOUNT_DISABLED',
  'PUSH_UNAVAILABLE',
]);

/**
 * A refused or failed API call. `message` is the relay's own text, safe to show when the code is
 * not one the interface has words for; `NETWORK` means no answer arrived at all.
 */
export class ApiRequestError extends Error {
  override readonly name = 'ApiRequestError';

  constructor(
    readonly code: ApiErrorCode,
    message: string,
    readonly status: number,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

/** Builds the error for a non-2xx answer from its status, body and Retry-After header. */
export function apiErrorFromResponse(
  status: number,
  body: unknown,
  retryAfter: string | null,
): ApiRequestError {
  let code: ApiErrorCode = 'UNKNOWN';
  let message = `HTTP ${status}`;
  if (typeof body === 'object' && body !== null && 'error' in body) {
    const error = body.error;
    if (typeof error === 'object' && error !== null) {
      const raw = (error as { code?: unknown }).code;
      const text = (error as { message?: unknown }).message;
      if (typeof raw === 'string' && KNOWN.has(raw)) code = raw as ApiErrorCode;
      if (typeof text === 'string' && text !== '') message = text;
    }
  }
  const seconds = retryAfter === null ? NaN : Number(retryAfter);
  return new ApiRequestError(
    code,
    message,
    status,
    Number.isFinite(seconds) && seconds >= 0 ? seconds : undefined,
  );
}
