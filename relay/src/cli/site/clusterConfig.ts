import * as v from 'valibot';
import { ipv4InSubnet, ipv4ToNumber, type Ipv4Subnet } from './ipAddresses.js';
import { absolutePath, dnsLabel, ipv4, port, wholeNumber } from './siteSchemaParts.js';
import { SiteError } from './SiteError.js';

/*
 * The part of a site file that describes several relays behind one load balancer. The site's
 * `relay` section stays the public face (its names, its address, its ports): with a cluster,
 * that address is the load balancer's, where HAProxy listens in place of a relay.
 */

// Both URLs are written single-quoted into an environment file that systemd and sh both read:
// these characters mean nothing inside single quotes to either, and a URL needs no others.
const URL_CHARACTERS = /^[A-Za-z0-9._~:/?#@%+=,&[\]-]+$/;

const url = (what: string, schemes: readonly string[], example: string) =>
  v.pipe(
    v.string(`${what} must be a URL such as ${example}`),
    v.regex(
      URL_CHARACTERS,
      `${what} may hold only the characters of a URL, without quotes or spaces`,
    ),
    v.check((text) => {
      try {
        return schemes.includes(new URL(text).protocol);
      } catch {
        return false;
      }
    }, `${what} must be a URL such as ${example}`),
  );

export const ClusterSchema = v.strictObject({
  nodes: v.pipe(
    v.array(
      v.strictObject({
        name: dnsLabel('each cluster node name'),
        ipv4: ipv4('each cluster node ipv4'),
        port: v.optional(port('each cluster node port'), 8443),
      }),
      'cluster.nodes must be a list of relay nodes',
    ),
    v.minLength(1, 'cluster.nodes must list at least one relay node'),
    v.maxLength(64, 'cluster.nodes may list at most 64 relay nodes'),
  ),
  databaseUrl: v.optional(
    url(
      'cluster.databaseUrl',
      ['postgres:', 'postgresql:'],
      'postgres://vaultroom@db.lan/vaultroom',
    ),
  ),
  secretsEnvFile: v.optional(v.nullable(absolutePath('cluster.secretsEnvFile')), null),
  natsUrl: v.optional(
    v.nullable(url('cluster.natsUrl', ['nats:', 'tls:'], 'nats://192.168.50.20:4222')),
    null,
  ),
  caFile: v.optional(absolutePath('cluster.caFile'), '/etc/haproxy/vaultroom-ca.pem'),
  maxConnections: v.optional(wholeNumber('cluster.maxConnections', 100, 1_000_000), 20_000),
});

/** One relay process on a machine of its own, behind the load balancer. */
export interface RelayNode {
  /** One DNS label; the node's own name is `<name>.<domain>`. */
  readonly name: string;
  readonly hostname: string;
  readonly ipv4: string;
  /** The node's TLS port, which the load balancer forwards to; it opens no plain-HTTP port. */
  readonly port: number;
}

/** Several relays sharing one PostgreSQL database, woken by NATS, behind HAProxy. */
export interface ClusterConfig {
  readonly nodes: readonly RelayNode[];
  /** `VAULTROOM_DATABASE_URL`, never with a password in it. */
  readonly databaseUrl: string;
  /**
   * An environment file the operator writes (root-only, 0600) with the secret the rendered files
   * must not hold: `PGPASSWORD`. Null when the database needs none (peer authentication).
   */
  readonly secretsEnvFile: string | null;
  /** `VAULTROOM_NATS_URL`, or null for a single node, which needs no other relay to wake. */
  readonly natsUrl: string | null;
  /** Where HAProxy reads the site CA (`tls/ca.pem` of a node) to verify its health checks. */
  readonly caFile: string;
  /** HAProxy's connection limit; each open WebSocket holds one. */
  readonly maxConnections: number;
}

/** What the cluster is checked against: the rest of the site, already validated. */
export interface ClusterSurroundings {
  readonly domain: string;
  readonly relayHostname: string;
  readonly relayIpv4: string;
  readonly subnet: Ipv4Subnet;
  readonly router: string;
  readonly dhcpRange: { readonly first: string; readonly last: string };
  /** Ports other services hold, with their names. */
  readonly reservedPorts: ReadonlyMap<number, string>;
}

function invalid(message: string): SiteError {
  return new SiteError('SITE_INVALID', message);
}

const sameSlash24 = (a: string, b: string) =>
  a.split('.').slice(0, 3).join('.') === b.split('.').slice(0, 3).join('.');

/** Checks the parsed cluster against itself and the site, or throws SITE_INVALID naming the setting. */
export function checkCluster(
  cluster: v.InferOutput<typeof ClusterSchema>,
  site: ClusterSurroundings,
): ClusterConfig {
  if (cluster.databaseUrl === undefined) {
    throw invalid(
      'cluster.databaseUrl is required: the relays of a cluster share one PostgreSQL database, such as postgres://vaultroom@db.lan/vaultroom',
    );
  }
  const database = new URL(cluster.databaseUrl);
  if (database.password !== '') {
    throw invalid(
      'cluster.databaseUrl must not hold a password: put PGPASSWORD=… in the file named by cluster.secretsEnvFile (0600), which only root and the relay read',
    );
  }
  if (cluster.natsUrl !== null) {
    const nats = new URL(cluster.natsUrl);
    if (nats.username !== '' || nats.password !== '') {
      throw invalid(
        'cluster.natsUrl must not hold credentials: they would sit in rendered files; let only the relay nodes reach nats-server instead (ops/README.md, Several relays)',
      );
    }
  } else if (cluster.nodes.length > 1) {
    throw invalid(
      `cluster.natsUrl is required with ${cluster.nodes.length} nodes: NATS carries live delivery between them (without it, a message reaches a device on another node only at the next sweep)`,
    );
  }
  const names = new Map<string, number>();
  const addresses = new Map<string, number>();
  const siteOwner =
    site.relayHostname === site.domain
      ? null
      : site.relayHostname.slice(0, -(site.domain.length + 1));
  const first = ipv4ToNumber(site.dhcpRange.first);
  const last = ipv4ToNumber(site.dhcpRange.last);
  const nodes = cluster.nodes.map((node, index): RelayNode => {
    const where = `cluster.nodes[${index}]`;
    const sameName = names.get(node.name);
    if (sameName !== undefined) {
      throw invalid(
        `${where}.name "${node.name}" is also cluster.nodes[${sameName}].name: each node needs its own name`,
      );
    }
    names.set(node.name, index);
    if (node.name === 'ns' || node.name === siteOwner) {
      throw invalid(
        `${where}.name "${node.name}" is already a name in ${site.domain} (the name server or the site itself)`,
      );
    }
    const sameAddress = addresses.get(node.ipv4);
    if (sameAddress !== undefined) {
      throw invalid(
        `${where}.ipv4 ${node.ipv4} is also cluster.nodes[${sameAddress}].ipv4: each node is a machine of its own`,
      );
    }
    addresses.set(node.ipv4, index);
    if (!ipv4InSubnet(node.ipv4, site.subnet)) {
      throw invalid(
        `${where}.ipv4 must be a host address in ${site.subnet.cidr}, got "${node.ipv4}"`,
      );
    }
    if (node.ipv4 === site.relayIpv4) {
      throw invalid(
        `${where}.ipv4 ${node.ipv4} is relay.ipv4, the load balancer's address: a node must be another machine, or one failure takes both down`,
      );
    }
    if (node.ipv4 === site.router) throw invalid(`${where}.ipv4 ${node.ipv4} is network.router`);
    const value = ipv4ToNumber(node.ipv4);
    if (value >= first && value <= last) {
      throw invalid(
        `${where}.ipv4 ${node.ipv4} lies inside network.dhcpRange: DHCP could lease it to another device`,
      );
    }
    if (!sameSlash24(node.ipv4, site.relayIpv4)) {
      throw invalid(
        `${where}.ipv4 ${node.ipv4} must lie in the /24 of relay.ipv4 ${site.relayIpv4}, whose reverse zone the site serves`,
      );
    }
    const taken = site.reservedPorts.get(node.port);
    if (taken !== undefined)
      throw invalid(`${where}.port ${node.port} is already used by ${taken}`);
    return {
      name: node.name,
      hostname: `${node.name}.${site.domain}`,
      ipv4: node.ipv4,
      port: node.port,
    };
  });
  return {
    nodes,
    databaseUrl: cluster.databaseUrl,
    secretsEnvFile: cluster.secretsEnvFile,
    natsUrl: cluster.natsUrl,
    caFile: cluster.caFile,
    maxConnections: cluster.maxConnections,
  };
}
