import { renderedHeader, type RenderedFile } from './RenderedFile.js';
import type { SiteConfig } from './siteConfig.js';

const escapeXml = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * Multicast DNS for the `.local` name, so Apple devices, Windows and Linux desktops find the relay
 * without unicast DNS. Avahi publishes the name as the server's own mDNS host name, with every
 * address of the LAN interface; a static entry in /etc/avahi/hosts cannot be used for the
 * server's own address, since its reverse record collides with the host's (Avahi reports a
 * "Local name collision"). The service file advertises the relay as an HTTPS service on it.
 * Empty when the site has no mDNS name.
 */
export function renderAvahi(site: SiteConfig): RenderedFile[] {
  const name = site.relay.mdnsName;
  if (name === null) return [];
  const daemon =
    renderedHeader('#') +
    `[server]\n` +
    `host-name=${name.slice(0, -'.local'.length)}\n` +
    `domain-name=local\n` +
    `use-ipv4=yes\n` +
    `use-ipv6=${site.relay.ipv6 === null ? 'no' : 'yes'}\n` +
    `allow-interfaces=${site.network.interface}\n` +
    `# Use D-Bus when it runs (avahi-browse needs it); serve mDNS without it otherwise.\n` +
    `enable-dbus=warn\n` +
    `ratelimit-interval-usec=1000000\n` +
    `ratelimit-burst=1000\n\n` +
    `[wide-area]\n` +
    `enable-wide-area=no\n\n` +
    `[publish]\n` +
    `publish-addresses=yes\n` +
    `publish-hinfo=no\n` +
    `publish-workstation=no\n\n` +
    `[reflector]\n\n` +
    `[rlimits]\n`;
  const service =
    `<?xml version="1.0" standalone="no"?>\n` +
    `<!DOCTYPE service-group SYSTEM "avahi-service.dtd">\n` +
    `<!--${renderedHeader('').replace(/\n/g, ' ').replace(/--/g, '-')}-->\n` +
    `<service-group>\n` +
    `  <name>VaultRoom</name>\n` +
    `  <service>\n` +
    `    <type>_https._tcp</type>\n` +
    `    <port>${site.relay.publicPort}</port>\n` +
    `    <host-name>${escapeXml(name)}</host-name>\n` +
    `    <txt-record>path=/</txt-record>\n` +
    `  </service>\n` +
    `</service-group>\n`;
  return [
    { path: 'etc/avahi/avahi-daemon.conf', content: daemon, mode: 0o644 },
    { path: 'etc/avahi/services/vaultroom.service', content: service, mode: 0o644 },
  ];
}
