import type { ClusterConfig, RelayNode } from './clusterConfig.js';
import { renderedHeader, underRoot, type RenderedFile } from './RenderedFile.js';
import type { SiteConfig } from './siteConfig.js';

/**
 * One cluster node's settings. Every node answers to the site's names, not its own: the load
 * balancer passes TLS through, so each node must hold the site's certificate and be the passkey
 * RP ID's origin. The node opens no plain-HTTP port (the load balancer redirects to HTTPS itself).
 * Every client reaches the node from the front's address (HAProxy's `source`), so the node is told
 * it: its per-address ceremony limit would otherwise count the whole site as one client, and the
 * front's firewall already limits new connections per real source address.
 * Owner-only (0600), as the database and NATS URLs name the site's internal servers; systemd reads
 * it as root. The URLs are single-quoted, which systemd and sh read alike (the schema keeps quotes
 * and spaces out of them).
 */
export function renderNodeEnv(
  site: SiteConfig,
  cluster: ClusterConfig,
  node: RelayNode,
): RenderedFile {
  const lines = [
    `# Relay node ${node.name} (${node.hostname}, ${node.ipv4}).`,
    `VAULTROOM_DATA_DIR=${site.service.dataDir}`,
    `VAULTROOM_HOSTNAME=${site.relay.hostname}`,
    ...(site.relay.mdnsName === null ? [] : [`VAULTROOM_ALT_HOSTNAMES=${site.relay.mdnsName}`]),
    `VAULTROOM_PORT=${node.port}`,
    `VAULTROOM_HTTP_PORT=0`,
    `VAULTROOM_PUBLIC_PORT=${site.relay.publicPort}`,
    `VAULTROOM_PWA_DIR=${site.service.installDir}/pwa/dist`,
    `VAULTROOM_LOG_LEVEL=info`,
    `VAULTROOM_FRONT_ADDRESS=${site.relay.ipv4}`,
    `VAULTROOM_DATABASE_URL='${cluster.databaseUrl}'`,
    ...(cluster.natsUrl === null ? [] : [`VAULTROOM_NATS_URL='${cluster.natsUrl}'`]),
  ];
  return {
    path: underRoot(site.paths.configDir, 'relay.env'),
    content: `${renderedHeader('#')}${lines.join('\n')}\n`,
    mode: 0o600,
  };
}
