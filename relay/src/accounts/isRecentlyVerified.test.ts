import { STEP_UP_MAX_AGE_MS } from '@vaultroom/shared';
import { describe, expect, it } from 'vitest';
import { isRecentlyVerified } from './isRecentlyVerified.js';

describe('isRecentlyVerified', () => {
  const now = 1_800_000_000_000;

  it('counts a verification younger than five minutes', () => {
    expect(STEP_UP_MAX_AGE_MS).toBe(300_000);
    expect(isRecentlyVerified(now, now)).toBe(true);
    expect(isRecentlyVerified(now - STEP_UP_MAX_AGE_MS + 1, now)).toBe(true);
  });

  it('refuses none, one five minutes old or older, and one from the future', () => {
    expect(isRecentlyVerified(null, now)).toBe(false);
    expect(isRecentlyVerified(now - STEP_UP_MAX_AGE_MS, now)).toBe(false);
    expect(isRecentlyVerified(0, now)).toBe(false);
    expect(isRecentlyVerified(now + 1, now)).toBe(false);
  });
});
