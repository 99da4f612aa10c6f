import { ipv6Nibbles } from './ipAddresses.js';
import type { SiteConfig } from './siteConfig.js';

export interface ReverseZone {
  /** e.g. `50.168.192.in-addr.arpa` */
  readonly zone: string;
  /** The relay's PTR owner name relative to the zone, e.g. `10`. */
  readonly relayLabel: string;
}

/**
 * The reverse zones the site serves: the IPv4 /24 that holds the relay's address (a /24 is the
 * finest octet boundary; classless RFC 2317 delegation is not needed on a LAN the site owns),
 * and the relay's IPv6 prefix, which is nibble-aligned by validation.
 */
export function reverseZones(site: SiteConfig): { ipv4: ReverseZone; ipv6: ReverseZone | null } {
  const octets = site.relay.ipv4.split('.');
  const ipv4 = {
    zone: `${octets.slice(0, 3).reverse().join('.')}.in-addr.arpa`,
    relayLabel: octets[3] ?? '',
  };
  const prefix = site.network.ipv6Prefix;
  if (site.relay.ipv6 === null || prefix === null) return { ipv4, ipv6: null };
  const nibbles = ipv6Nibbles(site.relay.ipv6).split('');
  const cut = prefix.prefix / 4;
  return {
    ipv4,
    ipv6: {
      zone: `${nibbles.slice(0, cut).reverse().join('.')}.ip6.arpa`,
      relayLabel: nibbles.slice(cut).reverse().join('.'),
    },
  };
}
