import net from 'node:net';

/**
 * IPv4 ranges a push endpoint may not resolve to: this network, private (RFC 1918), shared
 * (RFC 6598), loopback, link-local, IETF protocol assignments, documentation, benchmarking,
 * multicast, reserved and broadcast (IANA special-purpose registry).
 */
const IPV4_FORBIDDEN: readonly (readonly [string, number])[] = [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.88.99.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
];

const ipv4Forbidden = new net.BlockList();
for (const [prefix, bits] of IPV4_FORBIDDEN) ipv4Forbidden.addSubnet(prefix, bits, 'ipv4');

/** The eight 16-bit groups of an IPv6 address (a dotted IPv4 tail included). */
function ipv6Groups(address: string): number[] {
  let text = address.toLowerCase();
  const zone = text.indexOf('%');
  if (zone !== -1) text = text.slice(0, zone);
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted?.[1] !== undefined) {
    const bytes = dotted[1].split('.').map(Number);
    const [a = 0, b = 0, c = 0, d = 0] = bytes;
    text = `${text.slice(0, -dotted[1].length)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const parse = (part: string) => (part === '' ? [] : part.split(':').map((g) => parseInt(g, 16)));
  const left = parse(head);
  const right = tail === undefined ? [] : parse(tail);
  const fill = new Array<number>(8 - left.length - right.length).fill(0);
  return [...left, ...fill, ...right];
}

function ipv4Of(high: number, low: number): string {
  return `${high >> 8}.${high & 0xff}.${low >> 8}.${low & 0xff}`;
}

/**
 * Whether an address is one a push endpoint may not reach without the operator's leave: anything
 * but a public unicast address. IPv6 forms that carry an IPv4 address (mapped, compatible, NAT64,
 * 6to4) are judged by that IPv4 address, so `::ffff:127.0.0.1` is loopback here too.
 */
export function isForbiddenAddress(address: string): boolean {
  const family = net.isIP(address);
  if (family === 4) return ipv4Forbidden.check(address, 'ipv4');
  if (family !== 6) return true;
  const g = ipv6Groups(address);
  const [g0 = 0, g1 = 0, g2 = 0, g3 = 0, g4 = 0, g5 = 0, g6 = 0, g7 = 0] = g;
  // ::/96: unspecified, loopback and the deprecated IPv4-compatible form; ::ffff:0:0/96 mapped.
  if (g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0) {
    if (g5 === 0 || g5 === 0xffff) return g5 === 0 ? true : ipv4Forbidden.check(ipv4Of(g6, g7));
    return true;
  }
  // 64:ff9b::/96 (NAT64, RFC 6052) carries an IPv4 address in its last 32 bits.
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0) {
    return ipv4Forbidden.check(ipv4Of(g6, g7));
  }
  // 2002::/16 (6to4, RFC 3056) carries one in bits 16 to 48.
  if (g0 === 0x2002) return ipv4Forbidden.check(ipv4Of(g1, g2));
  if ((g0 & 0xfe00) === 0xfc00) return true; // fc00::/7 unique local
  if ((g0 & 0xffc0) === 0xfe80) return true; // fe80::/10 link-local
  if ((g0 & 0xffc0) === 0xfec0) return true; // fec0::/10 site-local (deprecated)
  if ((g0 & 0xff00) === 0xff00) return true; // ff00::/8 multicast
  if (g0 === 0x100 && g1 === 0 && g2 === 0 && g3 === 0) return true; // 100::/64 discard
  if (g0 === 0x2001 && g1 === 0xdb8) return true; // 2001:db8::/32 documentation
  if (g0 === 0x2001 && g1 < 0x200) return true; // 2001::/23 IETF protocol assignments (Teredo…)
  return false;
}
