import { describe, expect, it } from 'vitest';
import type { ApiRoute } from './ApiTypes.js';
import { matchRoute } from './matchRoute.js';

const handler = () => Promise.resolve({ status: '204 No Content' as const });
const routes: ApiRoute[] = [
  { method: 'GET', pattern: '/api/passkeys', handler },
  { method: 'PATCH', pattern: '/api/passkeys/:id', handler },
  { method: 'DELETE', pattern: '/api/passkeys/:id', handler },
];

describe('matchRoute', () => {
  it('matches static paths and decodes parameters', () => {
    expect(matchRoute(routes, 'GET', '/api/passkeys')).toMatchObject({ kind: 'found', params: {} });
    expect(matchRoute(routes, 'PATCH', '/api/passkeys/a%2Fb')).toMatchObject({
      kind: 'found',
      params: { id: 'a/b' },
    });
  });

  it('tells a wrong method from an unknown path', () => {
    expect(matchRoute(routes, 'POST', '/api/passkeys/x')).toEqual({
      kind: 'wrong-method',
      allowed: ['PATCH', 'DELETE'],
    });
    expect(matchRoute(routes, 'GET', '/api/passkeys/x/y')).toEqual({ kind: 'none' });
    expect(matchRoute(routes, 'GET', '/api/other')).toEqual({ kind: 'none' });
  });

  it('refuses empty and malformed parameters', () => {
    expect(matchRoute(routes, 'PATCH', '/api/passkeys/')).toEqual({ kind: 'none' });
    expect(matchRoute(routes, 'PATCH', '/api/passkeys/%E0%A4%A')).toEqual({ kind: 'none' });
  });
});
