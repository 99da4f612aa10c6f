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
