import { describe, expect, it } from 'vitest';
import { APP_ROUTES, isAppRoute } from './appRoutes.js';

describe('isAppRoute', () => {
  it('accepts every declared route', () => {
    for (const route of Object.values(APP_ROUTES)) expect(isAppRoute(route)).toBe(true);
  });

  it('accepts paths below a route', () => {
    expect(isAppRoute('/conversations/42')).toBe(true);
  });

  it('refuses look-alikes and files', () => {
    expect(isAppRoute('/settingsx')).toBe(false);
    expect(isAppRoute('/favicon.ico')).toBe(false);
    expect(isAppRoute('/api/unknown')).toBe(false);
  });
});
