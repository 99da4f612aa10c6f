import { describe, expect, it } from 'vitest';
import {
  ipv4InSubnet,
  ipv4ToNumber,
  ipv6Nibbles,
  numberToIpv4,
  parseIpv4Subnet,
  parseIpv6Prefix,
} from './ipAddresses.js';

describe('IPv4 helpers', () => {
  it('round-trips addresses through numbers', () => {
    for (const address of ['0.0.0.0', '10.1.2.3', '192.168.50.255', '255.255.255.255']) {
      expect(numberToIpv4(ipv4ToNumber(address))).toBe(address);
    }
  });

  it('parses subnets and refuses host bits or odd prefixes', () => {
    expect(parseIpv4Subnet('172.16.0.0/12')).toMatchObject({
      netmask: '255.240.0.0',
      broadcast: '172.31.255.255',
    });
    expect(parseIpv4Subnet('192.168.1.1/24')).toBeNull();
    expect(parseIpv4Subnet('192.168.1.0/31')).toBeNull();
    expect(parseIpv4Subnet('192.168.1.0')).toBeNull();
  });

  it('counts only host addresses as inside a subnet', () => {
    const subnet = parseIpv4Subnet('192.168.1.0/24');
    if (subnet === null) throw new Error('unparsed');
    expect(ipv4InSubnet('192.168.1.1', subnet)).toBe(true);
    expect(ipv4InSubnet('192.168.1.0', subnet)).toBe(false);
    expect(ipv4InSubnet('192.168.1.255', subnet)).toBe(false);
    expect(ipv4InSubnet('192.168.2.1', subnet)).toBe(false);
  });
});

describe('IPv6 helpers', () => {
  it('expands addresses to 32 nibbles', () => {
    expect(ipv6Nibbles('fd42::10')).toBe('fd420000000000000000000000000010');
    expect(ipv6Nibbles('::1')).toBe('00000000000000000000000000000001');
    expect(ipv6Nibbles('2001:db8:0:0:1:0:0:1')).toBe('20010db8000000000001000000000001');
  });

  it('parses nibble-aligned prefixes only', () => {
    expect(parseIpv6Prefix('fd42:7661:756c:7400::/64')?.network).toBe('fd42:7661:756c:7400::');
    expect(parseIpv6Prefix('fd42:7661:756c:7400::1/64')).toBeNull();
    expect(parseIpv6Prefix('fd42::/62')).toBeNull();
    expect(parseIpv6Prefix('fd42::/32')).toBeNull();
  });
});
