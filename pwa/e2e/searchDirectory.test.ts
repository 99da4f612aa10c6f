import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { searchDirectory } from './searchDirectory.js';

describe('searchDirectory', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vaultroom-search-'));
  afterAll(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('finds a string as UTF-8, UTF-16 (either order) and base64 at every alignment, and nothing else', () => {
    const needle = 'marker-Zq7x9';
    fs.mkdirSync(path.join(dir, 'sub'));
    fs.writeFileSync(path.join(dir, 'a'), `before ${needle} after`);
    fs.writeFileSync(path.join(dir, 'sub', 'b'), Buffer.from(`x${needle}y`, 'utf16le'));
    for (const prefix of ['', 'p', 'pq']) {
      fs.writeFileSync(
        path.join(dir, `c${String(prefix.length)}`),
        Buffer.from(`${prefix}${needle}tail`).toString('base64'),
      );
    }
    fs.writeFileSync(path.join(dir, 'be'), Buffer.from(needle, 'utf16le').swap16());
    fs.writeFileSync(path.join(dir, 'none'), 'marker-Zq7x8 and other text');
    const found = searchDirectory(dir, [needle])
      .map((f) => `${f.file}:${f.form}`)
      .sort();
    expect(found).toEqual([
      'a:utf-8',
      'be:utf-16be',
      'c0:base64',
      'c1:base64',
      'c2:base64',
      'sub/b:utf-16le',
    ]);
  });
});
