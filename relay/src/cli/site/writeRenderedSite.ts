import fs from 'node:fs';
import path from 'node:path';
import type { RenderedFile } from './RenderedFile.js';
import { SiteError } from './SiteError.js';

/**
 * Writes rendered files under `outDir`, which mirrors the filesystem root (`etc/bind/...`), so
 * that the install script copies the tree as it is. Files are replaced, never merged.
 */
export function writeRenderedSite(outDir: string, files: readonly RenderedFile[]): string[] {
  const root = path.resolve(outDir);
  const written: string[] = [];
  for (const file of files) {
    const target = path.resolve(root, file.path);
    if (!target.startsWith(`${root}${path.sep}`)) {
      throw new SiteError(
        'SITE_OUTPUT_UNUSABLE',
        `refusing to write outside ${root}: ${file.path}`,
      );
    }
    try {
      fs.mkdirSync(path.dirname(target), { recursive: true, mode: 0o755 });
      fs.writeFileSync(target, file.content, { mode: file.mode });
      fs.chmodSync(target, file.mode);
    } catch (error) {
      throw new SiteError('SITE_OUTPUT_UNUSABLE', `cannot write ${target}`, { cause: error });
    }
    written.push(file.path);
  }
  return written;
}
