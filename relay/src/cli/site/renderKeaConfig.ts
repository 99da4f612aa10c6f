import type { RenderedFile } from './RenderedFile.js';
import type { SiteConfig } from './siteConfig.js';

/**
 * Kea DHCPv4, ISC's maintained DHCP server: leases from the site's range, with the relay host as
 * the DNS server and the site's domain, so that clients resolve the relay's unicast name.
 * Kea's JSON allows comments, which carry the rendered-file header.
 */
export function renderKeaConfig(site: SiteConfig): RenderedFile {
  const lease = site.network.leaseSeconds;
  const config = {
    Dhcp4: {
      'interfaces-config': { interfaces: [site.network.interface] },
      'lease-database': {
        type: 'memfile',
        persist: true,
        name: site.paths.keaLeaseFile,
        'lfc-interval': 3600,
      },
      authoritative: true,
      'valid-lifetime': lease,
      'renew-timer': Math.floor(lease / 2),
      'rebind-timer': Math.floor((lease * 7) / 8),
      'option-data': [
        { name: 'domain-name-servers', data: site.relay.ipv4 },
        { name: 'domain-name', data: site.domain },
        { name: 'domain-search', data: site.domain },
      ],
      subnet4: [
        {
          id: 1,
          subnet: site.network.subnet.cidr,
          pools: [{ pool: `${site.network.dhcpRange.first} - ${site.network.dhcpRange.last}` }],
          'option-data': [{ name: 'routers', data: site.network.router }],
        },
      ],
      // Standard output reaches the journal under systemd; Kea 2.2 spells the key with "_".
      loggers: [{ name: 'kea-dhcp4', output_options: [{ output: 'stdout' }], severity: 'INFO' }],
    },
  };
  return {
    path: 'etc/kea/kea-dhcp4.conf',
    content:
      `// Rendered by \`vaultroom site render\` from the site configuration.\n` +
      `// Edit the site file and render again rather than this file.\n` +
      `${JSON.stringify(config, null, 2)}\n`,
    mode: 0o644,
  };
}
