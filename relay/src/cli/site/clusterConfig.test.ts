import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseSiteConfig } from './siteConfig.js';
import { SiteError } from './SiteError.js';

const cluster = {
  nodes: [
    { name: 'relay1', ipv4: '10.20.0.11' },
    { name: 'relay2', ipv4: '10.20.0.12', port: 9443 },
  ],
  databaseUrl: 'postgres://vaultroom@10.20.0.20/vaultroom',
  natsUrl: 'nats://10.20.0.20:4222',
};
const site = (changes: Record<string, unknown>) => ({
  relay: { ipv4: '10.20.0.2' },
  network: {
    interface: 'lan0',
    subnet: '10.20.0.0/16',
    router: '10.20.0.1',
    dhcpRange: { first: '10.20.0.100', last: '10.20.0.200' },
  },
  cluster: { ...cluster, ...changes },
});
const withNode = (node: Record<string, unknown>) =>
  site({ nodes: [...cluster.nodes, { name: 'relay3', ipv4: '10.20.0.13', ...node }] });

function errorOf(input: unknown): SiteError {
  try {
    parseSiteConfig(input);
  } catch (error) {
    if (error instanceof SiteError) return error;
    throw error;
  }
  throw new Error('expected a SiteError');
}

describe('parseSiteConfig with a cluster', () => {
  it('gives each node its own name in the site domain and the documented defaults', () => {
    const parsed = parseSiteConfig(site({}));
    expect(parsed.cluster).toEqual({
      nodes: [
        { name: 'relay1', hostname: 'relay1.vaultroom.home.arpa', ipv4: '10.20.0.11', port: 8443 },
        { name: 'relay2', hostname: 'relay2.vaultroom.home.arpa', ipv4: '10.20.0.12', port: 9443 },
      ],
      databaseUrl: 'postgres://vaultroom@10.20.0.20/vaultroom',
      secretsEnvFile: null,
      natsUrl: 'nats://10.20.0.20:4222',
      caFile: '/etc/haproxy/vaultroom-ca.pem',
      maxConnections: 20000,
    });
  });

  it('has no cluster when the site file names none', () => {
    expect(parseSiteConfig({ ...site({}), cluster: undefined }).cluster).toBeNull();
    expect(parseSiteConfig({ ...site({}), cluster: null }).cluster).toBeNull();
  });

  it('accepts the cluster example of the repository', () => {
    const example: unknown = JSON.parse(
      fs.readFileSync(
        new URL('../../../../ops/site.cluster.example.json', import.meta.url),
        'utf8',
      ),
    );
    expect(parseSiteConfig(example).cluster?.nodes.map((node) => node.name)).toEqual([
      'relay1',
      'relay2',
      'relay3',
    ]);
  });

  it('lets a single node run without NATS, which only wakes other nodes', () => {
    const single = site({ nodes: [cluster.nodes[0]], natsUrl: null });
    expect(parseSiteConfig(single).cluster?.natsUrl).toBeNull();
  });

  it('accepts a socket directory and TLS settings in the database URL', () => {
    const url = 'postgresql:///vaultroom?host=/var/run/postgresql&sslmode=disable';
    expect(parseSiteConfig(site({ databaseUrl: url })).cluster?.databaseUrl).toBe(url);
  });

  it.each([
    [
      withNode({ name: 'relay1' }),
      /cluster\.nodes\[2\]\.name "relay1" is also cluster\.nodes\[0\]\.name/,
    ],
    [
      withNode({ ipv4: '10.20.0.12' }),
      /cluster\.nodes\[2\]\.ipv4 10\.20\.0\.12 is also cluster\.nodes\[1\]\.ipv4/,
    ],
    [withNode({ ipv4: '10.20.0.2' }), /is relay\.ipv4, the load balancer's address/],
    [withNode({ ipv4: '10.20.0.1' }), /cluster\.nodes\[2\]\.ipv4 10\.20\.0\.1 is network\.router/],
    [withNode({ ipv4: '10.20.0.150' }), /lies inside network\.dhcpRange/],
    [withNode({ ipv4: '10.30.0.13' }), /must be a host address in 10\.20\.0\.0\/16/],
    [withNode({ ipv4: '10.20.1.13' }), /must lie in the \/24 of relay\.ipv4 10\.20\.0\.2/],
    [withNode({ ipv4: '10.20.0.999' }), /each cluster node ipv4 must be an IPv4 address/],
    [withNode({ name: 'ns' }), /"ns" is already a name in vaultroom\.home\.arpa/],
    [withNode({ name: 'relay 3' }), /each cluster node name must be one DNS label/],
    [withNode({ port: 22 }), /cluster\.nodes\[2\]\.port 22 is already used by SSH/],
    [withNode({ port: 0 }), /each cluster node port must be between 1 and 65535/],
    [withNode({ weight: 2 }), /weight/],
    [site({ nodes: [] }), /cluster\.nodes must list at least one relay node/],
    [
      site({ databaseUrl: undefined }),
      /cluster\.databaseUrl is required: the relays of a cluster share one PostgreSQL database/,
    ],
    [
      site({ databaseUrl: 'mysql://db/vaultroom' }),
      /cluster\.databaseUrl must be a URL such as postgres:/,
    ],
    [
      site({ databaseUrl: 'postgres://vaultroom:hunter2@db/vaultroom' }),
      /cluster\.databaseUrl must not hold a password: put PGPASSWORD=… in the file named by cluster\.secretsEnvFile/,
    ],
    [site({ databaseUrl: "postgres://db/x'; rm -rf /" }), /may hold only the characters of a URL/],
    [site({ natsUrl: null }), /cluster\.natsUrl is required with 2 nodes/],
    [site({ natsUrl: 'http://10.20.0.20:4222' }), /cluster\.natsUrl must be a URL such as nats:/],
    [
      site({ natsUrl: 'nats://user:secret@10.20.0.20:4222' }),
      /cluster\.natsUrl must not hold credentials/,
    ],
    [
      site({ secretsEnvFile: 'secrets.env' }),
      /cluster\.secretsEnvFile must be a normalised absolute path/,
    ],
    [site({ maxConnections: 10 }), /cluster\.maxConnections must be from 100 to 1000000/],
  ])('refuses a bad cluster with a message naming the setting (%#)', (input, message) => {
    const error = errorOf(input);
    expect(error.code).toBe('SITE_INVALID');
    expect(error.message).toMatch(message);
  });

  it.each([
    site({ databaseUrl: 'postgres://vaultroom:hunter2@db/vaultroom' }),
    site({ databaseUrl: 'mysql://vaultroom:hunter2@db/vaultroom' }),
    site({ databaseUrl: 'postgres://vaultroom:hunter2@db/vault room' }),
    site({ natsUrl: 'nats://relay:hunter2@10.20.0.20:4222' }),
    site({ natsUrl: 'http://relay:hunter2@10.20.0.20:4222' }),
  ])('never repeats a password it refuses (%#)', (input) => {
    const error = errorOf(input);
    expect(error.code).toBe('SITE_INVALID');
    expect(error.message).not.toContain('hunter2');
  });
});
