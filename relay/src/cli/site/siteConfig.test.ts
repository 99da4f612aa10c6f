import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseSiteConfig } from './siteConfig.js';
import { SiteError } from './SiteError.js';

const minimal = {
  relay: { ipv4: '10.20.0.2' },
  network: {
    interface: 'lan0',
    subnet: '10.20.0.0/24',
    router: '10.20.0.1',
    dhcpRange: { first: '10.20.0.100', last: '10.20.0.200' },
  },
};

function errorOf(input: unknown): SiteError {
  try {
    parseSiteConfig(input);
  } catch (error) {
    if (error instanceof SiteError) return error;
    throw error;
  }
  throw new Error('expected a SiteError');
}

const withRelay = (relay: Record<string, unknown>) => ({
  ...minimal,
  relay: { ...minimal.relay, ...relay },
});
const withNetwork = (network: Record<string, unknown>) => ({
  ...minimal,
  network: { ...minimal.network, ...network },
});

describe('parseSiteConfig', () => {
  it('fills the documented defaults: home.arpa for unicast DNS, .local for mDNS', () => {
    const site = parseSiteConfig(minimal);
    expect(site.domain).toBe('vaultroom.home.arpa');
    expect(site.relay).toMatchObject({
      hostname: 'vaultroom.home.arpa',
      mdnsName: 'vaultroom.local',
      ipv6: null,
      port: 8443,
      httpPort: 8080,
      publicPort: 443,
      publicHttpPort: 80,
    });
    expect(site.network.subnet).toEqual({
      network: '10.20.0.0',
      prefix: 24,
      netmask: '255.255.255.0',
      broadcast: '10.20.0.255',
      cidr: '10.20.0.0/24',
    });
    expect(site.service).toEqual({
      user: 'vaultroom',
      installDir: '/opt/vaultroom',
      dataDir: '/var/lib/vaultroom',
      node: '/usr/bin/node',
    });
    expect(site.paths.bindDir).toBe('/etc/bind');
  });

  it('accepts the example site of the repository', () => {
    const example: unknown = JSON.parse(
      fs.readFileSync(new URL('../../../../ops/site.example.json', import.meta.url), 'utf8'),
    );
    expect(parseSiteConfig(example).network.ipv6Prefix?.cidr).toBe('fd42:7661:756c:7400::/64');
  });

  it.each([
    [
      withRelay({ ipv4: '10.20.0.300' }),
      /relay\.ipv4 must be an IPv4 address.*got "10\.20\.0\.300"/,
    ],
    [withRelay({ ipv4: '10.30.0.2' }), /relay\.ipv4 must be a host address in 10\.20\.0\.0\/24/],
    [
      withRelay({ ipv4: '10.20.0.150' }),
      /relay\.ipv4 10\.20\.0\.150 lies inside network\.dhcpRange/,
    ],
    [withRelay({ port: 70000 }), /relay\.port must be between 1 and 65535, got 70000/],
    [withRelay({ port: 8080 }), /relay\.port and relay\.httpPort must differ/],
    [withRelay({ publicPort: 22 }), /relay\.publicPort 22 is already used by SSH/],
    [
      withRelay({ hostname: 'chat.example.org' }),
      /relay\.hostname must be vaultroom\.home\.arpa or a name below it/,
    ],
    [withRelay({ mdnsName: 'a.b.local' }), /relay\.mdnsName must be one label followed by \.local/],
    [withRelay({ ipv6: 'fd00::2' }), /relay\.ipv6 needs network\.ipv6Prefix/],
    [
      { ...minimal, domain: 'vaultroom.local' },
      /must not end in \.local: it is reserved for multicast DNS/,
    ],
    [
      withNetwork({ subnet: '10.20.0.1/24' }),
      /network\.subnet must be an IPv4 network.*host bits zero/,
    ],
    [
      withNetwork({ dhcpRange: { first: '10.20.0.200', last: '10.20.0.100' } }),
      /must not come after/,
    ],
    [withNetwork({ interface: 'eth0; rm -rf /' }), /network\.interface must be an interface name/],
    [
      { ...minimal, service: { dataDir: '/opt/vaultroom/data' } },
      /service\.dataDir must lie outside/,
    ],
    [
      { ...minimal, service: { dataDir: 'relative/dir' } },
      /service\.dataDir must be a normalised absolute path/,
    ],
    [
      { ...minimal, dns: { forwarders: ['dns.quad9.net'] } },
      /each of dns\.forwarders must be an IPv4 address/,
    ],
    [{ ...minimal, colour: 'blue' }, /colour/],
    [{ network: minimal.network }, /relay/],
  ])('refuses a bad site with a message naming the setting (%#)', (input, message) => {
    const error = errorOf(input);
    expect(error.code).toBe('SITE_INVALID');
    expect(error.message).toMatch(message);
  });

  it('accepts an IPv6 address inside the site prefix', () => {
    const site = parseSiteConfig({
      ...withRelay({ ipv6: 'fd00:1:2:3::2' }),
      network: { ...minimal.network, ipv6Prefix: 'fd00:1:2:3::/64' },
    });
    expect(site.relay.ipv6).toBe('fd00:1:2:3::2');
    expect(() =>
      parseSiteConfig({
        ...withRelay({ ipv6: 'fd00:9::2' }),
        network: { ...minimal.network, ipv6Prefix: 'fd00:1:2:3::/64' },
      }),
    ).toThrow(/relay\.ipv6 must lie in fd00:1:2:3::\/64/);
  });
});
