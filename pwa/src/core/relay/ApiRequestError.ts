import { isApiErrorCode, type ApiErrorCode } from '@vaultroom/shared';

/**
 * What a failed API call can say: one of the relay's codes (the shared list), `NETWORK` when no
 * answer arrived, or `UNKNOWN` for an answer that carries no code of that list.
 */
export type ApiRequestErrorCode = ApiErrorCode | 'NETWORK' | 'UNKNOWN';

/**
 * A refused or failed API call. `message` is the relay's own text, safe to show when the code is
 * not one the interface has words for; `NETWORK` means no answer arrived at all.
 */
export class ApiRequestError extends Error {
  override readonly name = 'ApiRequestError';

  constructor(
    readonly code: ApiRequestErrorCode,
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
  let code: ApiRequestErrorCode = 'UNKNOWN';
  let message = `HTTP ${status}`;
  if (typeof body === 'object' && body !== null && 'error' in body) {
    const error = body.error;
    if (typeof error === 'object' && error !== null) {
      const raw = (error as { code?: unknown }).code;
      const text = (error as { message?: unknown }).message;
      if (typeof raw === 'string' && isApiErrorCode(raw)) code = raw;
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
