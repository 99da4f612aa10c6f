import { renderedHeader, type RenderedFile } from './RenderedFile.js';
import type { SiteConfig } from './siteConfig.js';

/**
 * `/usr/local/bin/vaultroom`: the command-line tool with the relay's settings, run as the relay's
 * user. As root, a tool such as `backup` or `restore` would leave root-owned files (the SQLite
 * -wal and -shm files, a lock file, a restored database) that the relay then cannot open. On a
 * cluster node it also reads the secrets file (root-only), so it runs as root there.
 */
export function renderCliWrapper(
  site: SiteConfig,
  secretsEnvFile: string | null = null,
): RenderedFile {
  const { service, paths } = site;
  const command = `${service.node} ${service.installDir}/relay/dist/cli.js`;
  const script =
    `#!/bin/sh\n` +
    renderedHeader('#') +
    `set -a\n` +
    `. ${paths.configDir}/relay.env\n` +
    (secretsEnvFile === null ? '' : `. ${secretsEnvFile}\n`) +
    `set +a\n` +
    `if [ "$(id -u)" -eq 0 ]; then\n` +
    `  exec runuser -u ${service.user} -- ${command} "$@"\n` +
    `fi\n` +
    `exec ${command} "$@"\n`;
  return { path: 'usr/local/bin/vaultroom', content: script, mode: 0o755 };
}
