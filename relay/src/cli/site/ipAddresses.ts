import { isIPv4, isIPv6 } from 'node:net';

/** An IPv4 address as an unsigned 32-bit number, so that ranges and subnets compare as numbers. */
export function ipv4ToNumber(address: string): number {
  if (!isIPv4(address)) throw new RangeError(`not an IPv4 address: ${address}`);
  return address.split('.').reduce((sum, octet) => sum * 256 + Number(octet), 0);
}

export function numberToIpv4(value: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join('.');
}

export interface Ipv4Subnet {
  /** The network address, host bits zero. */
  readonly network: string;
  readonly prefix: number;
  readonly netmask: string;
  readonly broadcast: string;
  /** `network/prefix`, as nftables, Kea and BIND write it. */
  readonly cidr: string;
}

/** Parses `a.b.c.d/n`; null when it is not one or has host bits set (a likely typo). */
export function parseIpv4Subnet(text: string): Ipv4Subnet | null {
  const match = /^([\d.]+)\/(\d{1,2})$/.exec(text);
  if (match === null) return null;
  const [, address = '', prefixText = ''] = match;
  const prefix = Number(prefixText);
  if (!isIPv4(address) || prefix < 8 || prefix > 30) return null;
  const size = 2 ** (32 - prefix);
  const network = ipv4ToNumber(address);
  if (network % size !== 0) return null;
  return {
    network: address,
    prefix,
    netmask: numberToIpv4(2 ** 32 - size),
    broadcast: numberToIpv4(network + size - 1),
    cidr: `${address}/${prefix}`,
  };
}

/** Whether `address` is a host address of `subnet` (not its network or broadcast address). */
export function ipv4InSubnet(address: string, subnet: Ipv4Subnet): boolean {
  const value = ipv4ToNumber(address);
  const first = ipv4ToNumber(subnet.network);
  return value > first && value < ipv4ToNumber(subnet.broadcast);
}

/** The 32 hexadecimal digits of an IPv6 address, without separators (for ip6.arpa names). */
export function ipv6Nibbles(address: string): string {
  if (!isIPv6(address)) throw new RangeError(`not an IPv6 address: ${address}`);
  const [head = '', tail = ''] = address.toLowerCase().split('::');
  const headGroups = head === '' ? [] : head.split(':');
  const tailGroups = tail === '' ? [] : tail.split(':');
  const groups = address.includes('::')
    ? [
        ...headGroups,
        ...Array<string>(8 - headGroups.length - tailGroups.length).fill('0'),
        ...tailGroups,
      ]
    : headGroups;
  return groups.map((group) => group.padStart(4, '0')).join('');
}

export interface Ipv6Prefix {
  /** The prefix with host bits zero, in canonical form. */
  readonly network: string;
  readonly prefix: number;
  readonly cidr: string;
}

/** Parses `addr/n` for n a multiple of 4 from 48 to 64 (nibble-aligned, so a reverse zone fits). */
export function parseIpv6Prefix(text: string): Ipv6Prefix | null {
  const match = /^([0-9a-fA-F:]+)\/(\d{2,3})$/.exec(text);
  if (match === null) return null;
  const [, address = '', prefixText = ''] = match;
  const prefix = Number(prefixText);
  if (!isIPv6(address) || address.includes('.') || prefix % 4 !== 0 || prefix < 48 || prefix > 64)
    return null;
  const nibbles = ipv6Nibbles(address);
  if (!/^0*$/.test(nibbles.slice(prefix / 4))) return null;
  const groups = (nibbles.match(/.{4}/g) ?? []).map((group) => group.replace(/^0{1,3}/, ''));
  const network = groups.join(':').replace(/(^|:)0(:0)+(:|$)/, '::');
  return { network, prefix, cidr: `${network}/${prefix}` };
}

/** Whether an IPv6 address lies in a prefix from parseIpv6Prefix. */
export function ipv6InPrefix(address: string, prefix: Ipv6Prefix): boolean {
  const digits = prefix.prefix / 4;
  return ipv6Nibbles(address).slice(0, digits) === ipv6Nibbles(prefix.network).slice(0, digits);
}
