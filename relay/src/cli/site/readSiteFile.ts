import fs from 'node:fs';
import { parseSiteConfig, type SiteConfig } from './siteConfig.js';
import { SiteError } from './SiteError.js';

/** Reads and validates a site configuration file (JSON). */
export function readSiteFile(file: string): SiteConfig {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new SiteError('SITE_UNREADABLE', `cannot read the site file ${file}`, { cause: error });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new SiteError('SITE_INVALID', `the site file ${file} is not valid JSON: ${reason}`);
  }
  return parseSiteConfig(json);
}
