import { renderedHeader, underRoot, type RenderedFile } from './RenderedFile.js';
import { reverseZones } from './reverseZones.js';
import type { SiteConfig } from './siteConfig.js';

/** Where BIND reads the site's zone files. */
export function zoneDirectory(site: SiteConfig): string {
  return `${site.paths.bindDir}/vaultroom`;
}

export function zoneFileName(zone: string): string {
  return `db.${zone}`;
}

/**
 * The SOA and NS records every zone of the site starts with. The serial is the render time in
 * seconds: it only grows, so a secondary server added later always sees a new render as newer.
 */
function zoneHead(site: SiteConfig, serial: number): string {
  const ns = `ns.${site.domain}.`;
  return (
    renderedHeader(';') +
    `$TTL ${site.dns.ttl}\n` +
    `@\tIN\tSOA\t${ns} hostmaster.${site.domain}. (\n` +
    `\t\t${serial}\t; serial: render time\n` +
    `\t\t3600\t\t; refresh\n` +
    `\t\t900\t\t; retry\n` +
    `\t\t1209600\t\t; expire\n` +
    `\t\t300 )\t\t; negative answers\n` +
    `@\tIN\tNS\t${ns}\n`
  );
}

/**
 * The forward zone: the relay's A and AAAA records, and the name server (the relay host). With a
 * cluster the relay's address is the load balancer's, and each node has its own name beside it.
 */
export function renderForwardZone(site: SiteConfig, serial: number): RenderedFile {
  const owner =
    site.relay.hostname === site.domain
      ? '@'
      : site.relay.hostname.slice(0, -(site.domain.length + 1));
  const records = [
    ...(owner === 'ns' ? [] : [`ns\tIN\tA\t${site.relay.ipv4}`]),
    ...(owner === 'ns' || site.relay.ipv6 === null ? [] : [`ns\tIN\tAAAA\t${site.relay.ipv6}`]),
    `${owner}\tIN\tA\t${site.relay.ipv4}`,
    ...(site.relay.ipv6 === null ? [] : [`${owner}\tIN\tAAAA\t${site.relay.ipv6}`]),
    ...(site.cluster?.nodes ?? []).map((node) => `${node.name}\tIN\tA\t${node.ipv4}`),
  ];
  return {
    path: underRoot(zoneDirectory(site), zoneFileName(site.domain)),
    content: `${zoneHead(site, serial)}${records.join('\n')}\n`,
    mode: 0o644,
  };
}

/**
 * The reverse zones: a PTR record from each of the relay's addresses back to its name, and from
 * each cluster node's address to the node's (validation keeps them in the relay's /24).
 */
export function renderReverseZones(site: SiteConfig, serial: number): RenderedFile[] {
  const zones = reverseZones(site);
  const nodePointers = (site.cluster?.nodes ?? []).map(
    (node) => `${node.ipv4.split('.')[3] ?? ''}\tIN\tPTR\t${node.hostname}.\n`,
  );
  const ipv4 = {
    path: underRoot(zoneDirectory(site), zoneFileName(zones.ipv4.zone)),
    content:
      `${zoneHead(site, serial)}${zones.ipv4.relayLabel}\tIN\tPTR\t${site.relay.hostname}.\n` +
      nodePointers.join(''),
    mode: 0o644,
  };
  const ipv6 =
    zones.ipv6 === null
      ? []
      : [
          {
            path: underRoot(zoneDirectory(site), zoneFileName(zones.ipv6.zone)),
            content: `${zoneHead(site, serial)}${zones.ipv6.relayLabel}\tIN\tPTR\t${site.relay.hostname}.\n`,
            mode: 0o644,
          },
        ];
  return [ipv4, ...ipv6];
}
