import type { ClusterConfig } from './clusterConfig.js';
import { renderedHeader, type RenderedFile } from './RenderedFile.js';
import type { SiteConfig } from './siteConfig.js';

/** How often each node is checked, and how many checks in a row turn it down or up again. */
const CHECK_INTERVAL = '2s';
const FALL = 3;
const RISE = 2;

/** `[fd00::1]:8443` or `192.168.50.10:8443`, as HAProxy's `bind` takes them. */
function bindAddress(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

/**
 * HAProxy on the site's front address, in place of the one relay of a small site: it listens on
 * the relay's ports (the firewall's redirects from 443 and 80 stay as they are) and passes TLS
 * through to the nodes untouched, so the browser's TLS session and WebSocket end on a relay, which
 * holds the site's certificate. So:
 *
 * - TCP mode, no TLS termination: HAProxy never holds the relay's key nor sees a session cookie;
 * - `leastconn`: a WebSocket lives for hours, so round robin by new connections would pile the
 *   survivors' reconnections of a failed node on whichever node is next; the fewest open
 *   connections spreads them;
 * - `timeout tunnel`: once the connection is a tunnel (at once, in TCP mode) this idle limit
 *   supersedes the client and server ones. The relay pings a socket idle for a while and closes
 *   it after 120 s without an answer, so an idle but live WebSocket never nears the hour, which
 *   only bounds connections whose peers vanished;
 * - health checks: `GET /healthz` over TLS to each node with the site's name as SNI and Host (the
 *   relay refuses other host names with 421), the certificate verified against the site CA for
 *   that name. A node marked down has its sessions shut at once, so its clients reconnect to
 *   another node instead of waiting on a dead one;
 * - the plain-HTTP port answers every request with a 308 to the HTTPS origin itself, so it keeps
 *   working when every node is down.
 */
export function renderHaproxy(site: SiteConfig, cluster: ClusterConfig): RenderedFile {
  const { relay } = site;
  const addresses = [relay.ipv4, ...(relay.ipv6 === null ? [] : [relay.ipv6])];
  const origin = `https://${relay.hostname}${relay.publicPort === 443 ? '' : `:${relay.publicPort}`}`;
  const check =
    `check inter ${CHECK_INTERVAL} fall ${FALL} rise ${RISE} check-ssl check-sni ${relay.hostname} ` +
    `verify required ca-file ${cluster.caFile} verifyhost ${relay.hostname}`;
  const lines = [
    renderedHeader('#').trimEnd(),
    '',
    'global',
    '\tlog /dev/log local0',
    '\tchroot /var/lib/haproxy',
    '\tstats socket /run/haproxy/admin.sock mode 660 level admin',
    '\tuser haproxy',
    '\tgroup haproxy',
    '\tdaemon',
    `\tmaxconn ${cluster.maxConnections}`,
    '',
    'defaults',
    '\tlog global',
    '\tmode tcp',
    '\toption tcplog',
    '\toption dontlognull',
    `\tmaxconn ${cluster.maxConnections}`,
    '\ttimeout connect 5s',
    '\ttimeout client 30s',
    '\ttimeout server 30s',
    '\ttimeout tunnel 1h',
    '\ttimeout client-fin 10s',
    '\ttimeout server-fin 10s',
    '\ttimeout check 5s',
    '',
    'frontend vaultroom_https',
    ...addresses.map((address) => `\tbind ${bindAddress(address, relay.port)}`),
    '\tdefault_backend vaultroom_nodes',
    '',
    'backend vaultroom_nodes',
    '\tbalance leastconn',
    // The nodes' firewalls open the relay port to this address alone, whichever the route picks.
    `\tsource ${relay.ipv4}`,
    '\toption httpchk',
    `\thttp-check send meth GET uri /healthz ver HTTP/1.1 hdr Host ${relay.hostname}`,
    '\thttp-check expect status 200',
    `\tdefault-server ${check} on-marked-down shutdown-sessions`,
    ...cluster.nodes.map((node) => `\tserver ${node.name} ${node.ipv4}:${node.port}`),
    '',
    'frontend vaultroom_http',
    '\tmode http',
    '\toption httplog',
    ...addresses.map((address) => `\tbind ${bindAddress(address, relay.httpPort)}`),
    '\ttimeout client 10s',
    '\ttimeout http-request 10s',
    `\thttp-request redirect prefix ${origin} code 308`,
  ];
  return { path: 'etc/haproxy/haproxy.cfg', content: `${lines.join('\n')}\n`, mode: 0o644 };
}
