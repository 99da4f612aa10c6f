/**
 * The PWA's client-side routes. The relay answers a navigation to any of these with the app shell
 * (index.html) and every other unknown path with 404, so the list lives here, used by both sides.
 */
export const APP_ROUTES = {
  home: '/',
  signIn: '/sign-in',
  /** Sign-up and account recovery; the invite token travels in the URL fragment. */
  join: '/join',
  conversations: '/conversations',
  settings: '/settings',
  /** The account's own security events, verified against the relay's audit log. */
  security: '/security',
  admin: '/admin',
} as const;

export type AppRoute = (typeof APP_ROUTES)[keyof typeof APP_ROUTES];

const routePaths: readonly string[] = Object.values(APP_ROUTES);

/** True when `pathname` is an app route or lies below one (`/conversations/abc`). */
export function isAppRoute(pathname: string): boolean {
  if (routePaths.includes(pathname)) return true;
  return routePaths.some((route) => route !== '/' && pathname.startsWith(`${route}/`));
}
