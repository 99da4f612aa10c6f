import { parse, serialize } from 'cookie';

/**
 * The `__Host-` prefix makes browsers refuse the cookie unless it is Secure, has Path=/ and no
 * Domain: no sibling host or plain-HTTP page can set or overwrite it.
 */
export const SESSION_COOKIE = '__Host-vaultroom-session';

export function sessionCookie(token: string, maxAgeSeconds: number): string {
  return serialize(SESSION_COOKIE, token, {
    path: '/',
    secure: true,
    httpOnly: true,
    sameSite: 'strict',
    maxAge: Math.floor(maxAgeSeconds),
  });
}

export function clearedSessionCookie(): string {
  return serialize(SESSION_COOKIE, '', {
    path: '/',
    secure: true,
    httpOnly: true,
    sameSite: 'strict',
    maxAge: 0,
  });
}

/** The session token from a Cookie header, or null; malformed headers count as no cookie. */
export function readSessionToken(cookieHeader: string): string | null {
  if (cookieHeader === '') return null;
  const token = parse(cookieHeader)[SESSION_COOKIE];
  return token !== undefined && /^[A-Za-z0-9_-]{43}$/.test(token) ? token : null;
}
