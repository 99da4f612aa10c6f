import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * A stand-in for the built PWA: an app shell and a service worker, nothing to compress. Tests
 * that exercise the relay rather than the app start much faster with it, and do not depend on a
 * build that may be rewritten while they run.
 */
export function minimalPwa(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vaultroom-pwa-min-'));
  fs.writeFileSync(
    path.join(dir, 'index.html'),
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>VaultRoom</title></head>' +
      '<body><main>VaultRoom</main></body></html>\n',
  );
  fs.writeFileSync(path.join(dir, 'sw.js'), 'self.addEventListener("fetch", () => {});\n');
  return dir;
}
