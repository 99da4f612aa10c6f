import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeFileAtomic } from './writeFileAtomic.js';

let dir: string;

beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'vaultroom-atomic-'));
});

afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('writeFileAtomic', () => {
  it('creates the file with exactly the requested mode', async () => {
    const file = path.join(dir, 'key.pem');
    await writeFileAtomic(file, 'one', 0o600);
    expect(await fs.readFile(file, 'utf8')).toBe('one');
    expect((await fs.stat(file)).mode & 0o777).toBe(0o600);
  });

  it('replaces an existing file and its wider mode, leaving no temporary file', async () => {
    const file = path.join(dir, 'key.pem');
    await fs.writeFile(file, 'old', { mode: 0o666 });
    await fs.chmod(file, 0o666);
    await writeFileAtomic(file, 'new', 0o600);
    expect(await fs.readFile(file, 'utf8')).toBe('new');
    expect((await fs.stat(file)).mode & 0o777).toBe(0o600);
    expect(await fs.readdir(dir)).toEqual(['key.pem']);
  });

  it('leaves the old file and no temporary file when the rename fails', async () => {
    // A directory in the way makes rename(2) fail after the temporary file was written.
    const target = path.join(dir, 'busy');
    await fs.mkdir(target);
    await fs.writeFile(path.join(target, 'inside'), 'x');
    await expect(writeFileAtomic(target, 'new', 0o644)).rejects.toThrow();
    expect(await fs.readdir(dir)).toEqual(['busy']);
  });
});
