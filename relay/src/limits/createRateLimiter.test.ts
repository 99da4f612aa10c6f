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

  it('takes a cost, refuses with the time until it is covered, and caps a cost at the burst', () => {
    const limiter = createRateLimiter({ burst: 10, perMinute: 60 });
    expect(limiter.take('a', 0, 8)).toEqual({ allowed: true });
    expect(limiter.take('a', 0, 5)).toEqual({ allowed: false, retryAfterSeconds: 3 });
    expect(limiter.take('a', 3_000, 5)).toEqual({ allowed: true });
    // A request larger than the burst waits for a full bucket rather than failing for ever.
    expect(limiter.take('b', 0, 50)).toEqual({ allowed: true });
    expect(limiter.take('b', 0, 50).allowed).toBe(false);
    expect(limiter.take('b', 10_000, 50)).toEqual({ allowed: true });
  });
});
