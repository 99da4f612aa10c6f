import { renderedHeader, underRoot, type RenderedFile } from './RenderedFile.js';
import { reverseZones } from './reverseZones.js';
import type { SiteConfig } from './siteConfig.js';
import { zoneDirectory, zoneFileName } from './renderZones.js';

/**
 * `named.conf.options` and `named.conf.local` for Debian's BIND layout, where `named.conf`
 * includes both. The server is authoritative for the site's zones and a recursive resolver for
 * the LAN only: an open resolver on the internet side would be used for amplification attacks.
 */
export function renderBindConfig(site: SiteConfig): RenderedFile[] {
  const lan = [
    site.network.subnet.cidr,
    ...(site.network.ipv6Prefix ? [site.network.ipv6Prefix.cidr] : []),
  ];
  const forwarders =
    site.dns.forwarders.length === 0
      ? '\t// No forwarders: names outside the site are resolved from the root servers.\n'
      : `\tforwarders { ${site.dns.forwarders.map((address) => `${address};`).join(' ')} };\n`;
  const options =
    renderedHeader('//') +
    `acl vaultroom_lan { ${lan.map((network) => `${network};`).join(' ')} };\n\n` +
    `options {\n` +
    `\tdirectory "${site.paths.bindCacheDir}";\n` +
    `\tlisten-on port 53 { 127.0.0.1; ${site.relay.ipv4}; };\n` +
    `\tlisten-on-v6 port 53 { ::1; ${site.relay.ipv6 === null ? '' : `${site.relay.ipv6}; `}};\n` +
    `\trecursion yes;\n` +
    `\tallow-query { localhost; vaultroom_lan; };\n` +
    `\tallow-recursion { localhost; vaultroom_lan; };\n` +
    `\tallow-query-cache { localhost; vaultroom_lan; };\n` +
    `\tallow-transfer { none; };\n` +
    forwarders +
    `\tdnssec-validation auto;\n` +
    `\tminimal-responses yes;\n` +
    `\tversion none;\n` +
    `};\n`;

  const zones = reverseZones(site);
  const local =
    renderedHeader('//') +
    [site.domain, zones.ipv4.zone, ...(zones.ipv6 === null ? [] : [zones.ipv6.zone])]
      .map(
        (zone) =>
          `zone "${zone}" {\n` +
          `\ttype primary;\n` +
          `\tfile "${zoneDirectory(site)}/${zoneFileName(zone)}";\n` +
          `\tallow-update { none; };\n` +
          `};\n`,
      )
      .join('\n');
  return [
    { path: underRoot(site.paths.bindDir, 'named.conf.options'), content: options, mode: 0o644 },
    { path: underRoot(site.paths.bindDir, 'named.conf.local'), content: local, mode: 0o644 },
  ];
}
