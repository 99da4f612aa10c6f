import { renderedHeader, type RenderedFile } from './RenderedFile.js';
import type { SiteConfig } from './siteConfig.js';

/**
 * isc-dhcp-server's `dhcpd.conf` and its Debian defaults file, for sites that still run it.
 * ISC ended its maintenance in 2022; Kea (renderKeaConfig) is the default.
 */
export function renderDhcpdConfig(site: SiteConfig): RenderedFile[] {
  const { subnet, dhcpRange, router, leaseSeconds } = site.network;
  const conf =
    renderedHeader('#') +
    `# isc-dhcp-server reached its end of life in 2022 and gets no more fixes: prefer Kea.\n` +
    `authoritative;\n` +
    `default-lease-time ${leaseSeconds};\n` +
    `max-lease-time ${leaseSeconds * 2};\n` +
    `ddns-update-style none;\n` +
    `option domain-name "${site.domain}";\n` +
    `option domain-search "${site.domain}";\n` +
    `option domain-name-servers ${site.relay.ipv4};\n\n` +
    `subnet ${subnet.network} netmask ${subnet.netmask} {\n` +
    `  range ${dhcpRange.first} ${dhcpRange.last};\n` +
    `  option routers ${router};\n` +
    `  option broadcast-address ${subnet.broadcast};\n` +
    `}\n`;
  const defaults =
    renderedHeader('#') + `INTERFACESv4="${site.network.interface}"\n` + `INTERFACESv6=""\n`;
  return [
    { path: 'etc/dhcp/dhcpd.conf', content: conf, mode: 0o644 },
    { path: 'etc/default/isc-dhcp-server', content: defaults, mode: 0o644 },
  ];
}
