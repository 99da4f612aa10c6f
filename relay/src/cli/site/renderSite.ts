import type { ClusterConfig } from './clusterConfig.js';
import { renderAvahi } from './renderAvahi.js';
import { renderBindConfig } from './renderBindConfig.js';
import { renderCliWrapper } from './renderCliWrapper.js';
import { renderDhcpdConfig } from './renderDhcpdConfig.js';
import type { RenderedFile } from './RenderedFile.js';
import { renderHaproxy } from './renderHaproxy.js';
import { renderKeaConfig } from './renderKeaConfig.js';
import { renderNftables } from './renderNftables.js';
import { renderNodeEnv } from './renderNodeEnv.js';
import { renderNodeNftables } from './renderNodeNftables.js';
import { renderRelayEnv } from './renderRelayEnv.js';
import { renderSystemdUnit } from './renderSystemdUnit.js';
import { renderForwardZone, renderReverseZones } from './renderZones.js';
import type { SiteConfig } from './siteConfig.js';

/** Where the front's files go when a site has several machines: one tree per machine. */
export const FRONT_TREE = 'front';
export const nodeTree = (name: string) => `nodes/${name}`;

/** The LAN's own services, on the machine at the relay's address (the one relay, or the front). */
function renderLanServices(site: SiteConfig, serial: number): RenderedFile[] {
  return [
    ...renderBindConfig(site),
    renderForwardZone(site, serial),
    ...renderReverseZones(site, serial),
    ...renderAvahi(site),
    renderKeaConfig(site),
    ...renderDhcpdConfig(site),
    renderNftables(site),
  ];
}

const inTree = (tree: string, files: readonly RenderedFile[]) =>
  files.map((file) => ({ ...file, path: `${tree}/${file.path}` }));

function renderCluster(site: SiteConfig, cluster: ClusterConfig, serial: number): RenderedFile[] {
  const front = [renderHaproxy(site, cluster), ...renderLanServices(site, serial)];
  const nodes = cluster.nodes.flatMap((node) =>
    inTree(nodeTree(node.name), [
      renderNodeEnv(site, cluster, node),
      renderSystemdUnit(site, { name: node.name, secretsEnvFile: cluster.secretsEnvFile }),
      renderCliWrapper(site, cluster.secretsEnvFile),
      renderNodeNftables(site, node),
    ]),
  );
  return [...inTree(FRONT_TREE, front), ...nodes];
}

/**
 * Every file of a site, from one validated configuration, at the paths they are installed to.
 * A site with one relay is one tree that mirrors `/`; a cluster is one such tree per machine:
 * `front/` (HAProxy and the LAN's services) and `nodes/<name>/` (a relay and its firewall each).
 * `now` sets the zones' serial number.
 */
export function renderSite(site: SiteConfig, now: Date = new Date()): RenderedFile[] {
  const serial = Math.floor(now.getTime() / 1000);
  if (site.cluster !== null) return renderCluster(site, site.cluster, serial);
  return [
    renderRelayEnv(site),
    renderSystemdUnit(site),
    renderCliWrapper(site),
    ...renderLanServices(site, serial),
  ];
}
