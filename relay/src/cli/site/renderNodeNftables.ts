import type { RelayNode } from './clusterConfig.js';
import { renderedHeader, underRoot, type RenderedFile } from './RenderedFile.js';
import type { SiteConfig } from './siteConfig.js';

/**
 * A cluster node's firewall, one nftables table of its own like the front's: the node's relay
 * port is open to the load balancer alone (its clients' traffic and its health checks both come
 * from there), SSH to the LAN, and everything else is dropped. A node reached around the front
 * would escape the front's per-source connection limit, and a node the LAN cannot reach has
 * nothing to offer it. The node's own connections out (PostgreSQL, NATS) are not filtered.
 */
export function renderNodeNftables(site: SiteConfig, node: RelayNode): RenderedFile {
  const { network } = site;
  const lan6 = network.ipv6Prefix?.cidr ?? null;
  const lines = [
    '#!/usr/sbin/nft -f',
    renderedHeader('#').trimEnd(),
    `# Relay node ${node.name} (${node.ipv4}).`,
    '',
    '# Declaring then deleting the table makes a reload replace it whether or not it exists.',
    'table inet vaultroom',
    'delete table inet vaultroom',
    '',
    'table inet vaultroom {',
    '\tchain input {',
    '\t\ttype filter hook input priority filter; policy drop;',
    '\t\tct state invalid drop',
    '\t\tct state established,related accept',
    '\t\tiif "lo" accept',
    '',
    '\t\ticmp type { echo-request, destination-unreachable, time-exceeded, parameter-problem } limit rate 20/second accept',
    '\t\ticmpv6 type { echo-request, destination-unreachable, packet-too-big, time-exceeded, parameter-problem, nd-router-advert, nd-neighbor-solicit, nd-neighbor-advert } accept',
    '',
    '\t\t# SSH from the LAN only.',
    `\t\tip saddr ${network.subnet.cidr} tcp dport ${network.sshPort} accept`,
    ...(lan6 === null ? [] : [`\t\tip6 saddr ${lan6} tcp dport ${network.sshPort} accept`]),
    '',
    '\t\t# The relay: from the load balancer only.',
    `\t\tip saddr ${site.relay.ipv4} tcp dport ${node.port} accept`,
    '\t}',
    '}',
  ];
  return {
    path: underRoot(site.paths.configDir, 'vaultroom.nft'),
    content: `${lines.join('\n')}\n`,
    mode: 0o644,
  };
}
