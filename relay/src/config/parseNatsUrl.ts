import { ConfigError } from './ConfigError.js';

export const NATS_NEEDS_POSTGRES =
  'VAULTROOM_NATS_URL needs VAULTROOM_DATABASE_URL: relays share one PostgreSQL database, and a SQLite database belongs to one relay';

/**
 * A `nats://host:port` URL, with credentials (`user:password@` or `token@`) if the server wants
 * them. The value is not echoed in the error: it may hold a password.
 */
export function parseNatsUrl(raw: string | undefined): string | null {
  const text = raw?.trim() ?? '';
  if (text === '') return null;
  let url: URL | null = null;
  try {
    url = new URL(text);
  } catch {
    // reported below
  }
  if (
    url?.protocol !== 'nats:' ||
    url.hostname === '' ||
    !['', '/'].includes(url.pathname) ||
    url.search !== '' ||
    url.hash !== ''
  ) {
    throw new ConfigError(
      'VAULTROOM_NATS_URL must be nats://host:port, with user:password@ or token@ if needed (the value is not shown: it may hold a password)',
    );
  }
  return text;
}
