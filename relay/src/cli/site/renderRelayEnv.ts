import { renderedHeader, underRoot, type RenderedFile } from './RenderedFile.js';
import type { SiteConfig } from './siteConfig.js';

/**
 * The relay's settings as the environment file the service unit reads. Both names go in, the
 * canonical unicast one first: the relay puts every name in its certificate and its CA's name
 * constraints, and uses the first as the passkey RP ID.
 */
export function renderRelayEnv(site: SiteConfig): RenderedFile {
  const lines = [
    `VAULTROOM_DATA_DIR=${site.service.dataDir}`,
    `VAULTROOM_HOSTNAME=${site.relay.hostname}`,
    ...(site.relay.mdnsName === null ? [] : [`VAULTROOM_ALT_HOSTNAMES=${site.relay.mdnsName}`]),
    `VAULTROOM_PORT=${site.relay.port}`,
    `VAULTROOM_HTTP_PORT=${site.relay.httpPort}`,
    `VAULTROOM_PUBLIC_PORT=${site.relay.publicPort}`,
    `VAULTROOM_PWA_DIR=${site.service.installDir}/pwa/dist`,
    `VAULTROOM_LOG_LEVEL=info`,
  ];
  return {
    path: underRoot(site.paths.configDir, 'relay.env'),
    content: `${renderedHeader('#')}${lines.join('\n')}\n`,
    mode: 0o644,
  };
}
