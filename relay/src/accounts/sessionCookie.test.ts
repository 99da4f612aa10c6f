import { describe, expect, it } from 'vitest';
import { newSecret } from './secrets.js';
import { clearedSessionCookie, readSessionToken, sessionCookie } from './sessionCookie.js';

describe('session cookie', () => {
  it('is a __Host- cookie, Secure, HttpOnly and SameSite=Strict', () => {
    const cookie = sessionCookie('a'.repeat(43), 3600);
    expect(cookie).toMatch(/^__Host-vaultroom-session=a{43}; /);
    expect(cookie).toContain('Path=/');
    expect(cookie).toContain('Secure');
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Strict');
    expect(cookie).toContain('Max-Age=3600');
    expect(cookie).not.toContain('Domain');
  });

  it('round-trips a real token and ignores other cookies', () => {
    const { token } = newSecret();
    expect(readSessionToken(`theme=dark; __Host-vaultroom-session=${token}`)).toBe(token);
  });

  it('treats missing, malformed and look-alike cookies as no session', () => {
    expect(readSessionToken('')).toBeNull();
    expect(readSessionToken('vaultroom-session=abc')).toBeNull();
    expect(readSessionToken('__Host-vaultroom-session=short')).toBeNull();
    expect(readSessionToken('__Host-vaultroom-session=' + 'a'.repeat(42) + '!')).toBeNull();
  });

  it('clears with an expired cookie of the same name', () => {
    expect(clearedSessionCookie()).toMatch(/^__Host-vaultroom-session=; .*Max-Age=0/);
  });
});
