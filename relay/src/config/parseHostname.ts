import { ConfigError } from './ConfigError.js';
import { quoteSetting } from './quoteSetting.js';

// RFC 1123 labels: letters, digits and inner hyphens, 1..63 characters; 253 characters in all.
const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/** Validates a DNS host name (no wildcards, no IP literals, no trailing dot) and lowercases it. */
export function parseHostname(raw: string, setting: string): string {
  const name = raw.trim().toLowerCase();
  const labels = name.split('.');
  const valid =
    name.length > 0 &&
    name.length <= 253 &&
    labels.every((label) => LABEL.test(label)) &&
    !/^[0-9.]+$/.test(name);
  if (!valid) {
    throw new ConfigError(
      `${setting} must be a DNS host name such as vaultroom.local, got ${quoteSetting(raw)}`,
    );
  }
  return name;
}
