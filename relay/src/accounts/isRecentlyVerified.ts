import { STEP_UP_MAX_AGE_MS } from '@vaultroom/shared';

/**
 * Whether a session's last user verification (epoch ms, null for none) is recent enough for a
 * sensitive action at `now`. A time ahead of `now` (the clock stepped back) does not count: the
 * person is asked again rather than trusted for longer than the window.
 */
export function isRecentlyVerified(verifiedAt: number | null, now: number): boolean {
  if (verifiedAt === null) return false;
  const age = now - verifiedAt;
  return age >= 0 && age < STEP_UP_MAX_AGE_MS;
}
