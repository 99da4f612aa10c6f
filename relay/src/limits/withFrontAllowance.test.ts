import { describe, expect, it } from 'vitest';
import { createRateLimiter } from './createRateLimiter.js';
import { withFrontAllowance } from './withFrontAllowance.js';

/** 127.0.0.1 and 127.0.0.2 as uWS writes the peers of its dual-stack socket. */
const UWS_LOOPBACK = '0000:0000:0000:0000:0000:ffff:7f00:0001';
const UWS_LOOPBACK_2 = '0000:0000:0000:0000:0000:ffff:7f00:0002';

const perMinute = (n: number) => createRateLimiter({ burst: n, perMinute: n });

describe('withFrontAllowance', () => {
  it('gives the front address its own allowance, shared by all its written forms', () => {
    const limiter = withFrontAllowance(perMinute(1), '127.0.0.1', perMinute(6));
    for (const form of [UWS_LOOPBACK, '::ffff:127.0.0.1', '127.0.0.1']) {
      expect(limiter.check(form, 0)).toEqual({ allowed: true });
      for (let i = 0; i < 2; i++) expect(limiter.take(form, 0)).toEqual({ allowed: true });
    }
    // Six in all, then the front too is told to wait: its bucket is bounded, not lifted.
    expect(limiter.take('127.0.0.1', 0)).toEqual({ allowed: false, retryAfterSeconds: 10 });
    expect(limiter.check(UWS_LOOPBACK, 0)).toMatchObject({ allowed: false });
  });

  it('still limits every other address, the one next to the front included', () => {
    const limiter = withFrontAllowance(perMinute(1), '127.0.0.1', perMinute(100));
    expect(limiter.take(UWS_LOOPBACK_2, 0)).toEqual({ allowed: true });
    expect(limiter.take(UWS_LOOPBACK_2, 0)).toEqual({ allowed: false, retryAfterSeconds: 60 });
    expect(limiter.check(UWS_LOOPBACK_2, 0)).toMatchObject({ allowed: false });
    // A key that is no address at all (uWS answers "" when it cannot tell) is limited too.
    expect(limiter.take('', 0)).toEqual({ allowed: true });
    expect(limiter.take('', 0)).toMatchObject({ allowed: false });
  });

  it('matches an IPv6 front whatever its spelling', () => {
    const limiter = withFrontAllowance(perMinute(1), 'fd00:1:2:3::2', perMinute(100));
    for (let i = 0; i < 3; i++) {
      expect(limiter.take('fd00:0001:0002:0003:0000:0000:0000:0002', 0)).toEqual({ allowed: true });
    }
    expect(limiter.take('fd00:1:2:3::3', 0)).toEqual({ allowed: true });
    expect(limiter.take('fd00:1:2:3::3', 0)).toMatchObject({ allowed: false });
  });

  it('is the limiter itself when no front is configured', () => {
    const limiter = perMinute(1);
    expect(withFrontAllowance(limiter, null, perMinute(100))).toBe(limiter);
  });
});
