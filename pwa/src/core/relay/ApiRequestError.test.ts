import { describe, expect, it } from 'vitest';
import { apiErrorFromResponse } from './ApiRequestError.js';

describe('apiErrorFromResponse', () => {
  it('keeps a known code, the relay message and Retry-After', () => {
    const error = apiErrorFromResponse(
      429,
      { error: { code: 'RATE_LIMITED', message: 'Too many attempts: wait a moment' } },
      '12',
    );
    expect(error.code).toBe('RATE_LIMITED');
    expect(error.message).toBe('Too many attempts: wait a moment');
    expect(error.retryAfterSeconds).toBe(12);
    expect(error.status).toBe(429);
  });

  it('maps an unknown code or a body that is not an API error to UNKNOWN', () => {
    expect(
      apiErrorFromResponse(500, { error: { code: 'NOT_A_CODE', message: 'x' } }, null).code,
    ).toBe('UNKNOWN');
    const error = apiErrorFromResponse(502, 'Bad gateway', null);
    expect(error.code).toBe('UNKNOWN');
    expect(error.message).toBe('HTTP 502');
    expect(error.retryAfterSeconds).toBeUndefined();
  });
});
