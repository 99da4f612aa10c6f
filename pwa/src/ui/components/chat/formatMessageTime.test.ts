import { describe, expect, it } from 'vitest';
import { dayOf, formatDayDivider } from './formatMessageTime.js';

const words = { today: 'Today', yesterday: 'Yesterday' };
// Local times, as the person sees them: Wednesday 25 November 2026, 00:10.
const now = new Date(2026, 10, 25, 0, 10).getTime();
const at = (month: number, day: number, hour: number, year = 2026) =>
  new Date(year, month, day, hour).getTime();

describe('formatDayDivider', () => {
  it('says today and yesterday by calendar day, not by 24 hours', () => {
    expect(formatDayDivider(at(10, 25, 0), now, 'en-GB', words)).toBe('Today');
    // Two hours ago, but before midnight: yesterday.
    expect(formatDayDivider(at(10, 24, 22), now, 'en-GB', words)).toBe('Yesterday');
    expect(formatDayDivider(at(10, 24, 0), now, 'en-GB', words)).toBe('Yesterday');
  });

  it('names the weekday within the week, then the date, with the year only when it differs', () => {
    expect(formatDayDivider(at(10, 20, 12), now, 'en-GB', words)).toBe('Friday');
    expect(formatDayDivider(at(10, 19, 12), now, 'en-GB', words)).toBe('Thursday');
    // A week ago has today's weekday: the date says which Wednesday.
    expect(formatDayDivider(at(10, 18, 12), now, 'en-GB', words)).toBe('Wednesday 18 November');
    expect(formatDayDivider(at(11, 31, 12, 2025), now, 'en-GB', words)).toBe(
      'Wednesday, 31 December 2025',
    );
    expect(formatDayDivider(at(10, 18, 12), now, 'fr', words)).toBe('mercredi 18 novembre');
  });

  it('puts the messages of one day under one divider', () => {
    expect(dayOf(at(10, 24, 0))).toBe(dayOf(at(10, 24, 23)));
    expect(dayOf(at(10, 24, 23))).not.toBe(dayOf(at(10, 25, 0)));
  });
});
