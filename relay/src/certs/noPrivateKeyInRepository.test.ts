import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const repositoryRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

// What git never commits here (see .gitignore); `data/` is the default data directory, where the
// relay's own keys legitimately live.
const SKIPPED = new Set([
  '.git',
  'node_modules',
  'dist',
  'dev-dist',
  'data',
  'coverage',
  'test-artifacts',
]);

// A PEM header followed by base64: prose that merely names the header does not match.
// The label is assembled so that this file, too, holds no private-key marker.
const PEM_PRIVATE_KEY = new RegExp(
  `-----BEGIN [A-Z0-9 ]*${['PRIVATE', 'KEY'].join(' ')}-----\r?\n[A-Za-z0-9+/=]{16,}`,
);

async function* files(dir: string): AsyncGenerator<string> {
  for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
    if (SKIPPED.has(entry.name)) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* files(full);
    else if (entry.isFile()) yield full;
  }
}

describe('the repository', () => {
  it('contains no PEM private key (generated keys belong in the data directory)', async () => {
    const offenders: string[] = [];
    for await (const file of files(repositoryRoot)) {
      const stat = await fs.stat(file);
      if (stat.size > 5_000_000) continue;
      if (PEM_PRIVATE_KEY.test(await fs.readFile(file, 'latin1'))) {
        offenders.push(path.relative(repositoryRoot, file));
      }
    }
    expect(offenders).toEqual([]);
  });
});
