import { createHash, randomBytes } from 'node:crypto';

/** A random identifier for rows that users may see in URLs (128 bits, base64url). */
export function randomId(): string {
  return randomBytes(16).toString('base64url');
}

/**
 * A bearer secret (session token, invite token): 256 random bits. Only its hash is stored, so a
 * copy of the database does not let anyone in.
 */
export function newSecret(): { token: string; hash: string } {
  const token = randomBytes(32).toString('base64url');
  return { token, hash: hashSecret(token) };
}

export function hashSecret(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('base64url');
}
