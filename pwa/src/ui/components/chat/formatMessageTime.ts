/** "14:05" today, "Mon" this week, "12 Nov" before: as messengers show times in lists. */
export function formatListTime(at: number, now: number, locale: string): string {
  const date = new Date(at);
  const today = new Date(now);
  const sameDay = date.toDateString() === today.toDateString();
  if (sameDay) return new Intl.DateTimeFormat(locale, { timeStyle: 'short' }).format(date);
  const sixDays = 6 * 24 * 60 * 60 * 1000;
  if (now - at < sixDays) return new Intl.DateTimeFormat(locale, { weekday: 'short' }).format(date);
  return new Intl.DateTimeFormat(locale, { day: 'numeric', month: 'short' }).format(date);
}

/** The time under a message bubble. */
export function formatBubbleTime(at: number, locale: string): string {
  return new Intl.DateTimeFormat(locale, { timeStyle: 'short' }).format(new Date(at));
}

/** Midnight of the local day `at` falls on: messages with the same one share a divider. */
export function dayOf(at: number): number {
  const date = new Date(at);
  return new Date(date.getFullYear(), date.getMonth(), date.getDate()).getTime();
}

/**
 * The divider above a day's first message: "Today", "Yesterday", the weekday within the week,
 * then the date (with the year once it is not this year's).
 */
export function formatDayDivider(
  at: number,
  now: number,
  locale: string,
  words: { readonly today: string; readonly yesterday: string },
): string {
  const day = dayOf(at);
  const today = dayOf(now);
  if (day === today) return words.today;
  // Calendar days, not 24-hour periods: a daylight-saving change makes one day 23 or 25 hours.
  const yesterday = new Date(today);
  yesterday.setDate(yesterday.getDate() - 1);
  if (day === yesterday.getTime()) return words.yesterday;
  const weekAgo = new Date(today);
  weekAgo.setDate(weekAgo.getDate() - 6);
  const date = new Date(at);
  if (day >= weekAgo.getTime() && day < today) {
    return new Intl.DateTimeFormat(locale, { weekday: 'long' }).format(date);
  }
  const sameYear = date.getFullYear() === new Date(now).getFullYear();
  return new Intl.DateTimeFormat(locale, {
    weekday: 'long',
    day: 'numeric',
    month: 'long',
    ...(sameYear ? {} : { year: 'numeric' }),
  }).format(date);
}
