import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const PWA_DIST = fileURLToPath(new URL('../../../pwa/dist', import.meta.url));

/** True when the copy has an index.html, a service worker, and every asset index.html names. */
function complete(dir: string): boolean {
  const index = path.join(dir, 'index.html');
  if (!fs.existsSync(index) || !fs.existsSync(path.join(dir, 'sw.js'))) return false;
  const html = fs.readFileSync(index, 'utf8');
  return [...html.matchAll(/(?:src|href)="\/(assets\/[^"]+)"/g)].every((match) =>
    fs.existsSync(path.join(dir, match[1] ?? '')),
  );
}

/**
 * A private copy of the built PWA for one relay. The build output can be rewritten while tests
 * run (a rebuild empties pwa/dist first), so each relay serves a copy taken when it was whole.
 */
export async function pwaSnapshot(): Promise<string> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vaultroom-pwa-'));
    try {
      fs.cpSync(PWA_DIST, dir, { recursive: true });
      if (complete(dir)) return dir;
    } catch {
      // a file vanished mid-copy: the build is rewriting it
    }
    fs.rmSync(dir, { recursive: true, force: true });
    if (Date.now() > deadline) throw new Error('pwa/dist stayed incomplete: run npm run build');
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}
