import { APP_ROUTES, isAppRoute } from '@vaultroom/shared';
import { describe, expect, it } from 'vitest';
import { appRoutePatterns } from './appRoutePatterns.js';

const patterns = appRoutePatterns(Object.values(APP_ROUTES));
const allowed = (pathAndSearch: string) => patterns.some((pattern) => pattern.test(pathAndSearch));

describe('appRoutePatterns', () => {
  it('agrees with isAppRoute on routes, sub-paths, look-alikes and files', () => {
    const paths = [
      '/',
      '/sign-in',
      '/conversations',
      '/conversations/42',
      '/settings',
      '/settings/',
      '/settingsx',
      '/sign-inx',
      '/favicon.ico',
      '/icon.svg',
      '/assets/index-abc123.js',
      '/api/unknown',
      '/healthz',
      '/ws',
      '//conversations',
    ];
    for (const path of paths) expect(allowed(path), path).toBe(isAppRoute(path));
  });

  it('ignores the query string', () => {
    expect(allowed('/?source=pwa')).toBe(true);
    expect(allowed('/settings?tab=about')).toBe(true);
    expect(allowed('/healthz?x=/settings')).toBe(false);
  });

  it('treats route text literally', () => {
    const [pattern] = appRoutePatterns(['/a.b']);
    expect(pattern?.test('/a.b')).toBe(true);
    expect(pattern?.test('/axb')).toBe(false);
  });
});
