import { renderAvahi } from './renderAvahi.js';
import { renderBindConfig } from './renderBindConfig.js';
import { renderCliWrapper } from './renderCliWrapper.js';
import { renderDhcpdConfig } from './renderDhcpdConfig.js';
import type { RenderedFile } from './RenderedFile.js';
import { renderKeaConfig } from './renderKeaConfig.js';
import { renderNftables } from './renderNftables.js';
import { renderRelayEnv } from './renderRelayEnv.js';
import { renderSystemdUnit } from './renderSystemdUnit.js';
import { renderForwardZone, renderReverseZones } from './renderZones.js';
import type { SiteConfig } from './siteConfig.js';

/**
 * Every file of a site, from one validated configuration, at the paths they are installed to.
 * `now` sets the zones' serial number.
 */
export function renderSite(site: SiteConfig, now: Date = new Date()): RenderedFile[] {
  const serial = Math.floor(now.getTime() / 1000);
  return [
    renderRelayEnv(site),
    renderSystemdUnit(site),
    renderCliWrapper(site),
    ...renderBindConfig(site),
    renderForwardZone(site, serial),
    ...renderReverseZones(site, serial),
    ...renderAvahi(site),
    renderKeaConfig(site),
    ...renderDhcpdConfig(site),
    renderNftables(site),
  ];
}
