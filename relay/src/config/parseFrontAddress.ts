import net from 'node:net';
import { ConfigError } from './ConfigError.js';
import { quoteSetting } from './quoteSetting.js';

/** The "any address" of each family: a listener's wildcard, never a peer a relay could see. */
const UNSPECIFIED = ['0.0.0.0', '::'];

/**
 * The load balancer's address as the relay sees it (one IPv4 or IPv6 address), or null when
 * unset or empty. A zone (`fe80::1%eth0`) or a prefix (`/24`) is refused: the exemption it
 * grants must name one peer exactly, and the relay compares addresses without zones.
 */
export function parseFrontAddress(raw: string | undefined): string | null {
  const text = raw?.trim() ?? '';
  if (text === '') return null;
  if (net.isIP(text) === 0 || text.includes('%') || UNSPECIFIED.includes(text)) {
    throw new ConfigError(
      `VAULTROOM_FRONT_ADDRESS must be the load balancer's IP address, such as 192.168.50.10, got ${quoteSetting(raw ?? '')}`,
    );
  }
  return text;
}
