import { renderedHeader, underRoot, type RenderedFile } from './RenderedFile.js';
import type { SiteConfig } from './siteConfig.js';

/**
 * The server's firewall as one nftables table of its own, so it loads beside Debian's default
 * `inet filter` table (a packet must pass every base chain on a hook, so this table's drop policy
 * holds whatever the others accept). Loading the file replaces the table atomically.
 *
 * - the public HTTPS and HTTP ports are redirected to the relay's unprivileged ports, so the relay
 *   never needs CAP_NET_BIND_SERVICE;
 * - the relay's ports are open, new connections rate-limited per source address;
 * - DNS, DHCP and SSH only from the LAN; everything else is dropped.
 */
export function renderNftables(site: SiteConfig): RenderedFile {
  const { relay, network, firewall } = site;
  const lanIf = JSON.stringify(network.interface);
  const relayPorts = `{ ${relay.port}, ${relay.httpPort} }`;
  const rate = firewall.newConnectionsPerSecond;
  const limit = `limit rate over ${rate}/second burst ${rate * 2} packets`;
  const redirects = [
    ...(relay.publicPort === relay.port
      ? []
      : [`\t\tiifname ${lanIf} tcp dport ${relay.publicPort} redirect to :${relay.port}`]),
    ...(relay.publicHttpPort === relay.httpPort
      ? []
      : [`\t\tiifname ${lanIf} tcp dport ${relay.publicHttpPort} redirect to :${relay.httpPort}`]),
  ];
  const lan6 = network.ipv6Prefix?.cidr ?? null;
  const lines = [
    '#!/usr/sbin/nft -f',
    renderedHeader('#').trimEnd(),
    '',
    '# Declaring then deleting the table makes a reload replace it whether or not it exists.',
    'table inet vaultroom',
    'delete table inet vaultroom',
    '',
    'table inet vaultroom {',
    '\t# Sources that opened new relay connections recently, each with its own rate meter.',
    '\tset relay_clients_v4 {',
    '\t\ttype ipv4_addr',
    '\t\tsize 65536',
    '\t\tflags dynamic,timeout',
    '\t\ttimeout 1m',
    '\t}',
    '\tset relay_clients_v6 {',
    '\t\ttype ipv6_addr',
    '\t\tsize 65536',
    '\t\tflags dynamic,timeout',
    '\t\ttimeout 1m',
    '\t}',
    '',
    '\tchain prerouting {',
    '\t\ttype nat hook prerouting priority dstnat; policy accept;',
    ...redirects,
    '\t}',
    '',
    '\tchain input {',
    '\t\ttype filter hook input priority filter; policy drop;',
    '\t\tct state invalid drop',
    '\t\tct state established,related accept',
    '\t\tiif "lo" accept',
    '',
    '\t\t# ICMP errors keep path MTU discovery working; neighbour discovery is how IPv6 finds hosts.',
    '\t\ticmp type { echo-request, destination-unreachable, time-exceeded, parameter-problem } limit rate 20/second accept',
    '\t\ticmpv6 type { echo-request, destination-unreachable, packet-too-big, time-exceeded, parameter-problem, nd-router-advert, nd-neighbor-solicit, nd-neighbor-advert } accept',
    '',
    '\t\t# DHCP: a client has no address yet, so match the interface and ports.',
    `\t\tiifname ${lanIf} udp sport 68 udp dport 67 accept`,
    '',
    '\t\t# DNS and SSH from the LAN only.',
    `\t\tip saddr ${network.subnet.cidr} meta l4proto { tcp, udp } th dport 53 accept`,
    ...(lan6 === null
      ? []
      : [`\t\tip6 saddr ${lan6} meta l4proto { tcp, udp } th dport 53 accept`]),
    `\t\tip saddr ${network.subnet.cidr} tcp dport ${network.sshPort} accept`,
    ...(lan6 === null ? [] : [`\t\tip6 saddr ${lan6} tcp dport ${network.sshPort} accept`]),
    '',
    `\t\t# The relay: at most ${rate} new connections per second per source (burst ${rate * 2}).`,
    `\t\ttcp dport ${relayPorts} ct state new update @relay_clients_v4 { ip saddr ${limit} } drop`,
    `\t\ttcp dport ${relayPorts} ct state new update @relay_clients_v6 { ip6 saddr ${limit} } drop`,
    `\t\ttcp dport ${relayPorts} accept`,
    '\t}',
    '}',
  ];
  return {
    path: underRoot(site.paths.configDir, 'vaultroom.nft'),
    content: `${lines.join('\n')}\n`,
    mode: 0o644,
  };
}
