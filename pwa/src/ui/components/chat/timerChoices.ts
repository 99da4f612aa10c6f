/** The disappearing-message timers offered, in seconds, with their label keys. */
export const TIMER_CHOICES = [
  { seconds: 0, key: 'off' },
  { seconds: 5 * 60, key: 'minutes5' },
  { seconds: 60 * 60, key: 'hour1' },
  { seconds: 24 * 60 * 60, key: 'day1' },
  { seconds: 7 * 24 * 60 * 60, key: 'week1' },
] as const;

export type TimerKey = (typeof TIMER_CHOICES)[number]['key'];

/** The label key of a timer, or null for a value set elsewhere that is not offered here. */
export function timerKeyOf(seconds: number): TimerKey | null {
  return TIMER_CHOICES.find((choice) => choice.seconds === seconds)?.key ?? null;
}
