/**
 * The installed app's icon badge (the Badging API): how many messages are unread, or nothing.
 * Browsers without the API, and pages that are not installed apps, simply show no badge.
 */
export function showUnreadOnAppIcon(count: number): void {
  if (typeof navigator.setAppBadge !== 'function') return;
  const shown = count > 0 ? navigator.setAppBadge(count) : navigator.clearAppBadge();
  // Refused where badges are not allowed (e.g. no permission on some systems): nothing to show.
  shown.catch(() => undefined);
}
