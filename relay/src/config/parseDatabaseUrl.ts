import { ConfigError } from './ConfigError.js';
import { quoteSetting } from './quoteSetting.js';

/**
 * A PostgreSQL connection URL, or null when unset or empty. Its password is never repeated in an
 * error: only what is wrong with it is.
 */
export function parseDatabaseUrl(raw: string | undefined): string | null {
  const text = raw?.trim() ?? '';
  if (text === '') return null;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ConfigError(
      'VAULTROOM_DATABASE_URL must be a URL such as postgres://user:password@host:5432/vaultroom',
    );
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new ConfigError(
      `VAULTROOM_DATABASE_URL must start with postgres:// or postgresql://, got ${quoteSetting(url.protocol)}`,
    );
  }
  return text;
}
