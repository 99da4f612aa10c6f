import { describe, expect, it } from 'vitest';
import { createRateLimiter } from './createRateLimiter.js';
import { exemptFrontAddress } from './exemptFrontAddress.js';

/** 127.0.0.1 and 127.0.0.2 as uWS writes the peers of its dual-stack socket. */
const UWS_LOOPBACK = '0000:0000:0000:0000:0000:ffff:7f00:0001';
const UWS_LOOPBACK_2 = '0000:0000:0000:0000:0000:ffff:7f00:0002';

const onePerMinute = () => createRateLimiter({ burst: 1, perMinute: 1 });

describe('exemptFrontAddress', () => {
  it('never limits the front address, in any of its written forms', () => {
    const limiter = exemptFrontAddress(onePerMinute(), '127.0.0.1');
    for (const form of [UWS_LOOPBACK, '::ffff:127.0.0.1', '127.0.0.1']) {
      for (let i = 0; i < 5; i++) expect(limiter.take(form, 0)).toEqual({ allowed: true });
      expect(limiter.check(form, 0)).toEqual({ allowed: true });
    }
  });

  it('still limits every other address, the one next to the front included', () => {
    const limiter = exemptFrontAddress(onePerMinute(), '127.0.0.1');
    expect(limiter.take(UWS_LOOPBACK_2, 0)).toEqual({ allowed: true });
    expect(limiter.take(UWS_LOOPBACK_2, 0)).toEqual({ allowed: false, retryAfterSeconds: 60 });
    expect(limiter.check(UWS_LOOPBACK_2, 0)).toMatchObject({ allowed: false });
    // A key that is no address at all (uWS answers "" when it cannot tell) is limited too.
    expect(limiter.take('', 0)).toEqual({ allowed: true });
    expect(limiter.take('', 0)).toMatchObject({ allowed: false });
  });

  it('matches an IPv6 front whatever its spelling', () => {
    const limiter = exemptFrontAddress(onePerMinute(), 'fd00:1:2:3::2');
    for (let i = 0; i < 3; i++) {
      expect(limiter.take('fd00:0001:0002:0003:0000:0000:0000:0002', 0)).toEqual({ allowed: true });
    }
    expect(limiter.take('fd00:1:2:3::3', 0)).toEqual({ allowed: true });
    expect(limiter.take('fd00:1:2:3::3', 0)).toMatchObject({ allowed: false });
  });

  it('is the limiter itself when no front is configured', () => {
    const limiter = onePerMinute();
    expect(exemptFrontAddress(limiter, null)).toBe(limiter);
  });
});
