import * as v from 'valibot';
import { checkCluster, ClusterSchema, type ClusterConfig } from './clusterConfig.js';
import {
  ipv4InSubnet,
  ipv4ToNumber,
  ipv6InPrefix,
  parseIpv4Subnet,
  parseIpv6Prefix,
  type Ipv4Subnet,
  type Ipv6Prefix,
} from './ipAddresses.js';
import { absolutePath, dnsName, ipv4, ipv6, port, unixName } from './siteSchemaParts.js';
import { SiteError } from './SiteError.js';

const SiteSchema = v.strictObject({
  $comment: v.optional(v.string()),
  domain: v.optional(dnsName('domain'), 'vaultroom.home.arpa'),
  relay: v.strictObject({
    hostname: v.optional(dnsName('relay.hostname')),
    mdnsName: v.optional(
      v.nullable(
        v.pipe(
          v.string(),
          v.toLowerCase(),
          v.regex(
            /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.local$/,
            'relay.mdnsName must be one label followed by .local, such as vaultroom.local, or null',
          ),
        ),
      ),
      'vaultroom.local',
    ),
    ipv4: ipv4('relay.ipv4'),
    ipv6: v.optional(v.nullable(ipv6('relay.ipv6')), null),
    port: v.optional(port('relay.port'), 8443),
    httpPort: v.optional(port('relay.httpPort'), 8080),
    publicPort: v.optional(port('relay.publicPort'), 443),
    publicHttpPort: v.optional(port('relay.publicHttpPort'), 80),
  }),
  network: v.strictObject({
    interface: v.pipe(
      v.string(),
      v.regex(/^[a-zA-Z0-9_.-]{1,15}$/, 'network.interface must be an interface name such as eth0'),
    ),
    subnet: v.pipe(
      v.string(),
      v.check(
        (text) => parseIpv4Subnet(text) !== null,
        'network.subnet must be an IPv4 network from /8 to /30 with its host bits zero, such as 192.168.50.0/24',
      ),
    ),
    ipv6Prefix: v.optional(
      v.nullable(
        v.pipe(
          v.string(),
          v.check(
            (text) => parseIpv6Prefix(text) !== null,
            'network.ipv6Prefix must be a nibble-aligned IPv6 prefix from /48 to /64 with its host bits zero, such as fd42:7661:756c:7400::/64',
          ),
        ),
      ),
      null,
    ),
    router: ipv4('network.router'),
    dhcpRange: v.strictObject({
      first: ipv4('network.dhcpRange.first'),
      last: ipv4('network.dhcpRange.last'),
    }),
    leaseSeconds: v.optional(
      v.pipe(
        v.number(),
        v.integer(),
        v.minValue(300, 'network.leaseSeconds must be from 300 to 604800'),
        v.maxValue(604800, 'network.leaseSeconds must be from 300 to 604800'),
      ),
      86400,
    ),
    sshPort: v.optional(port('network.sshPort'), 22),
  }),
  dns: v.optional(
    v.strictObject({
      forwarders: v.optional(v.array(ipv4('each of dns.forwarders')), []),
      ttl: v.optional(
        v.pipe(
          v.number(),
          v.integer(),
          v.minValue(60, 'dns.ttl must be from 60 to 86400 seconds'),
          v.maxValue(86400, 'dns.ttl must be from 60 to 86400 seconds'),
        ),
        3600,
      ),
    }),
    {},
  ),
  firewall: v.optional(
    v.strictObject({
      newConnectionsPerSecond: v.optional(
        v.pipe(
          v.number(),
          v.integer(),
          v.minValue(1, 'firewall.newConnectionsPerSecond must be from 1 to 10000'),
          v.maxValue(10000, 'firewall.newConnectionsPerSecond must be from 1 to 10000'),
        ),
        25,
      ),
    }),
    {},
  ),
  service: v.optional(
    v.strictObject({
      user: v.optional(unixName('service.user'), 'vaultroom'),
      installDir: v.optional(absolutePath('service.installDir'), '/opt/vaultroom'),
      dataDir: v.optional(absolutePath('service.dataDir'), '/var/lib/vaultroom'),
      node: v.optional(absolutePath('service.node'), '/usr/bin/node'),
    }),
    {},
  ),
  paths: v.optional(
    v.strictObject({
      bindDir: v.optional(absolutePath('paths.bindDir'), '/etc/bind'),
      bindCacheDir: v.optional(absolutePath('paths.bindCacheDir'), '/var/cache/bind'),
      keaLeaseFile: v.optional(absolutePath('paths.keaLeaseFile'), '/var/lib/kea/kea-leases4.csv'),
      configDir: v.optional(absolutePath('paths.configDir'), '/etc/vaultroom'),
    }),
    {},
  ),
  cluster: v.optional(v.nullable(ClusterSchema), null),
});

type ParsedSite = v.InferOutput<typeof SiteSchema>;

/** A validated site: every address checked against the subnet, every name against the zone. */
export interface SiteConfig {
  /** The unicast DNS zone BIND serves and DHCP hands out as the clients' domain. */
  readonly domain: string;
  readonly relay: {
    /** The canonical name: the passkey (WebAuthn) RP ID, inside `domain`. */
    readonly hostname: string;
    /** The name published by multicast DNS, or null when Avahi is not used. */
    readonly mdnsName: string | null;
    readonly ipv4: string;
    readonly ipv6: string | null;
    readonly port: number;
    readonly httpPort: number;
    readonly publicPort: number;
    readonly publicHttpPort: number;
  };
  readonly network: {
    readonly interface: string;
    readonly subnet: Ipv4Subnet;
    readonly ipv6Prefix: Ipv6Prefix | null;
    readonly router: string;
    readonly dhcpRange: { readonly first: string; readonly last: string };
    readonly leaseSeconds: number;
    readonly sshPort: number;
  };
  readonly dns: { readonly forwarders: readonly string[]; readonly ttl: number };
  readonly firewall: { readonly newConnectionsPerSecond: number };
  readonly service: {
    readonly user: string;
    readonly installDir: string;
    readonly dataDir: string;
    readonly node: string;
  };
  readonly paths: {
    readonly bindDir: string;
    readonly bindCacheDir: string;
    readonly keaLeaseFile: string;
    readonly configDir: string;
  };
  /**
   * Several relays behind a load balancer, or null for the one relay of a small site. With a
   * cluster, `relay` is the public face: its address is the load balancer's.
   */
  readonly cluster: ClusterConfig | null;
}

/**
 * Validates a parsed site configuration (JSON) and checks the parts against each other, or
 * throws a SiteError `SITE_INVALID` naming the first bad setting, what it accepts and what it got.
 */
export function parseSiteConfig(input: unknown): SiteConfig {
  const result = v.safeParse(SiteSchema, input);
  if (!result.success) {
    const issue = result.issues[0];
    const where = v.getDotPath(issue) ?? 'the site configuration';
    const got =
      issue.input === undefined ? 'nothing' : JSON.stringify(withoutUrlPassword(issue.input));
    const message = issue.message.startsWith('Invalid')
      ? `${where}: ${issue.message.replace(/^Invalid \w+: /, 'expected ')}`
      : issue.message;
    throw new SiteError('SITE_INVALID', `${message}, got ${got}`);
  }
  return crossCheck(result.output);
}

/**
 * A refused value as the error repeats it, any password in a URL (`//user:password@`) cut out:
 * the message goes to a terminal and perhaps a ticket, the password must not.
 */
function withoutUrlPassword(input: unknown): unknown {
  return typeof input === 'string' ? input.replace(/(\/\/[^/@]*?):[^/@]*@/g, '$1:…@') : input;
}

function invalid(message: string): SiteError {
  return new SiteError('SITE_INVALID', message);
}

function crossCheck(site: ParsedSite): SiteConfig {
  const subnet = parseIpv4Subnet(site.network.subnet);
  const ipv6Prefix =
    site.network.ipv6Prefix === null ? null : parseIpv6Prefix(site.network.ipv6Prefix);
  if (subnet === null) throw invalid('network.subnet is not a subnet'); // checked by the schema
  const hostname = site.relay.hostname ?? site.domain;
  if (hostname !== site.domain && !hostname.endsWith(`.${site.domain}`)) {
    throw invalid(
      `relay.hostname must be ${site.domain} or a name below it (BIND serves that zone), got "${hostname}"`,
    );
  }
  if (hostname.endsWith('.local') || site.domain.endsWith('.local')) {
    throw invalid(
      `domain and relay.hostname must not end in .local: it is reserved for multicast DNS (RFC 6762); use a name under home.arpa (RFC 8375)`,
    );
  }
  for (const [setting, address] of [
    ['relay.ipv4', site.relay.ipv4],
    ['network.router', site.network.router],
    ['network.dhcpRange.first', site.network.dhcpRange.first],
    ['network.dhcpRange.last', site.network.dhcpRange.last],
  ] as const) {
    if (!ipv4InSubnet(address, subnet)) {
      throw invalid(`${setting} must be a host address in ${subnet.cidr}, got "${address}"`);
    }
  }
  const first = ipv4ToNumber(site.network.dhcpRange.first);
  const last = ipv4ToNumber(site.network.dhcpRange.last);
  if (first > last) {
    throw invalid(
      `network.dhcpRange.first must not come after network.dhcpRange.last, got ${site.network.dhcpRange.first} to ${site.network.dhcpRange.last}`,
    );
  }
  for (const [setting, address] of [
    ['relay.ipv4', site.relay.ipv4],
    ['network.router', site.network.router],
  ] as const) {
    const value = ipv4ToNumber(address);
    if (value >= first && value <= last) {
      throw invalid(
        `${setting} ${address} lies inside network.dhcpRange: DHCP could lease it to another device`,
      );
    }
  }
  if (site.relay.ipv6 !== null) {
    if (ipv6Prefix === null) {
      throw invalid('relay.ipv6 needs network.ipv6Prefix, for the reverse zone and the firewall');
    }
    if (!ipv6InPrefix(site.relay.ipv6, ipv6Prefix)) {
      throw invalid(`relay.ipv6 must lie in ${ipv6Prefix.cidr}, got "${site.relay.ipv6}"`);
    }
  }
  const ports = [
    ['relay.port', site.relay.port],
    ['relay.httpPort', site.relay.httpPort],
    ['relay.publicPort', site.relay.publicPort],
    ['relay.publicHttpPort', site.relay.publicHttpPort],
  ] as const;
  const reserved = new Map<number, string>([
    [53, 'DNS'],
    [67, 'DHCP'],
    [site.network.sshPort, 'SSH (network.sshPort)'],
  ]);
  for (const [setting, value] of ports) {
    const taken = reserved.get(value);
    if (taken !== undefined) {
      throw invalid(`${setting} ${value} is already used by ${taken}`);
    }
  }
  if (site.relay.port === site.relay.httpPort) {
    throw invalid(`relay.port and relay.httpPort must differ, both are ${site.relay.port}`);
  }
  if (site.relay.publicPort === site.relay.publicHttpPort) {
    throw invalid(
      `relay.publicPort and relay.publicHttpPort must differ, both are ${site.relay.publicPort}`,
    );
  }
  // A public port that is another listener's real port would redirect one service into the other.
  if (
    (site.relay.publicPort !== site.relay.port && site.relay.publicPort === site.relay.httpPort) ||
    (site.relay.publicHttpPort !== site.relay.httpPort &&
      site.relay.publicHttpPort === site.relay.port)
  ) {
    throw invalid('relay.publicPort and relay.publicHttpPort must not be the other listener');
  }
  if (site.service.dataDir === '/' || site.service.dataDir.startsWith(site.service.installDir)) {
    throw invalid(
      `service.dataDir must lie outside service.installDir (the code stays read-only), got "${site.service.dataDir}"`,
    );
  }
  const cluster =
    site.cluster === null
      ? null
      : checkCluster(site.cluster, {
          domain: site.domain,
          relayHostname: hostname,
          relayIpv4: site.relay.ipv4,
          subnet,
          router: site.network.router,
          dhcpRange: site.network.dhcpRange,
          reservedPorts: reserved,
        });
  return {
    domain: site.domain,
    relay: { ...site.relay, hostname, mdnsName: site.relay.mdnsName },
    network: { ...site.network, subnet, ipv6Prefix },
    dns: site.dns,
    firewall: site.firewall,
    service: site.service,
    paths: site.paths,
    cluster,
  };
}
