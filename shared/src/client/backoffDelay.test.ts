import { describe, expect, it } from 'vitest';
import { backoffDelay } from './backoffDelay.js';

const options = { baseMs: 100, maxMs: 1000 };

describe('backoffDelay', () => {
  it('doubles the window per attempt up to the cap', () => {
    const nearlyOne = () => 0.999_999;
    expect(
      [0, 1, 2, 3, 4, 5, 60].map((attempt) => backoffDelay(attempt, options, nearlyOne)),
    ).toEqual([99, 199, 399, 799, 999, 999, 999]);
  });

  it('uses the full window: zero is possible (full jitter)', () => {
    expect(backoffDelay(3, options, () => 0)).toBe(0);
    expect(backoffDelay(3, options, () => 0.5)).toBe(400);
  });
});
