import { describe, expect, it } from 'vitest';
import { formatDuration } from './formatDuration.js';

describe('formatDuration', () => {
  it('shows seconds only below a minute', () => {
    expect(formatDuration(0, 'en')).toBe('0 seconds');
    expect(formatDuration(42.9, 'en')).toBe('42 seconds');
    expect(formatDuration(61, 'en')).toBe('1 minute');
  });

  it('keeps the two largest non-zero units', () => {
    expect(formatDuration(3 * 86_400 + 4 * 3_600 + 5 * 60, 'en')).toMatch(/^3 days,? 4 hours$/);
    expect(formatDuration(2 * 3_600 + 30, 'en')).toBe('2 hours');
    expect(formatDuration(86_400 + 60, 'en')).toMatch(/^1 day,? 1 minute$/);
  });

  it('speaks the requested language', () => {
    expect(formatDuration(2 * 86_400 + 3_600, 'fr')).toMatch(/^2\sjours(,| et)\s1\sheure$/);
  });

  it('treats negative input as zero', () => {
    expect(formatDuration(-5, 'en')).toBe('0 seconds');
  });
});
