import fs from 'node:fs';

/** The relay's version, read once from its package.json (one level above both src/ and dist/). */
export const RELAY_VERSION: string = (
  JSON.parse(fs.readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string;
  }
).version;
