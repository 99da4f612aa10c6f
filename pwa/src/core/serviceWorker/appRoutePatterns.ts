/**
 * Regular expressions matching exactly the navigations the relay answers with the app shell, in
 * the form Workbox's `NavigationRoute` allowlist tests (`pathname + search`): each route itself,
 * and for every route but `/` the paths below it, as `isAppRoute` in @vaultroom/shared defines.
 */
export function appRoutePatterns(routes: readonly string[]): RegExp[] {
  return routes.map((route) => {
    const escaped = route.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const below = route === '/' ? '' : '(?:/[^?#]*)?';
    return new RegExp(`^${escaped}${below}(?:\\?.*)?$`);
  });
}
