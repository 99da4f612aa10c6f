import { describe, expect, it } from 'vitest';
import { createRateLimiter } from './createRateLimiter.js';

describe('createRateLimiter', () => {
  it('allows a burst, then refuses with the time until the next token', () => {
    const limiter = createRateLimiter({ burst: 3, perMinute: 6 });
    for (let i = 0; i < 3; i++) expect(limiter.take('a', 0)).toEqual({ allowed: true });
    expect(limiter.take('a', 0)).toEqual({ allowed: false, retryAfterSeconds: 10 });
    expect(limiter.take('a', 10_000)).toEqual({ allowed: true });
  });

  it('checks without taking, so failures alone can be counted', () => {
    const limiter = createRateLimiter({ burst: 1, perMinute: 1 });
    expect(limiter.check('a', 0)).toEqual({ allowed: true });
    expect(limiter.check('a', 0)).toEqual({ allowed: true });
    limiter.take('a', 0);
    expect(limiter.check('a', 0)).toEqual({ allowed: false, retryAfterSeconds: 60 });
  });

  it('keeps keys apart', () => {
    const limiter = createRateLimiter({ burst: 1, perMinute: 1 });
    expect(limiter.take('a', 0).allowed).toBe(true);
    expect(limiter.take('b', 0).allowed).toBe(true);
    expect(limiter.take('a', 0).allowed).toBe(false);
  });
});
