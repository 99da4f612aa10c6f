import { renderedHeader, type RenderedFile } from './RenderedFile.js';
import type { SiteConfig } from './siteConfig.js';

const escapeXml = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * Multicast DNS for the `.local` name: Avahi's hosts file publishes the address record
 * (`vaultroom.local` → the relay's addresses) and the service file advertises the relay as an
 * HTTPS service on that host, so Apple devices and Linux desktops find it without unicast DNS.
 * Empty when the site has no mDNS name.
 */
export function renderAvahi(site: SiteConfig): RenderedFile[] {
  const name = site.relay.mdnsName;
  if (name === null) return [];
  const hosts =
    renderedHeader('#') +
    `${site.relay.ipv4} ${name}\n` +
    (site.relay.ipv6 === null ? '' : `${site.relay.ipv6} ${name}\n`);
  const service =
    `<?xml version="1.0" standalone="no"?>\n` +
    `<!DOCTYPE service-group SYSTEM "avahi-service.dtd">\n` +
    `<!--${renderedHeader('').replace(/\n/g, ' ').replace(/--/g, '-')}-->\n` +
    `<service-group>\n` +
    `  <name>VaultRoom (${escapeXml(name)})</name>\n` +
    `  <service>\n` +
    `    <type>_https._tcp</type>\n` +
    `    <port>${site.relay.publicPort}</port>\n` +
    `    <host-name>${escapeXml(name)}</host-name>\n` +
    `    <txt-record>path=/</txt-record>\n` +
    `  </service>\n` +
    `</service-group>\n`;
  return [
    { path: 'etc/avahi/hosts', content: hosts, mode: 0o644 },
    { path: 'etc/avahi/services/vaultroom.service', content: service, mode: 0o644 },
  ];
}
