import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StartupError } from '../lifecycle/StartupError.js';
import { RELAY_BUSY_WAIT_MS } from './retryWhileBusy.js';
import { openDatabase, type OpenDatabase } from './openDatabase.js';

describe('openDatabase', () => {
  let dataDir: string;
  const opened: OpenDatabase[] = [];

  beforeEach(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vaultroom-db-'));
  });

  afterEach(async () => {
    for (const handle of opened.splice(0)) await handle.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('applies durability pragmas and migrations', async () => {
    const handle = await openDatabase(dataDir);
    opened.push(handle);
    expect(handle.sqlite.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(handle.sqlite.pragma('synchronous', { simple: true })).toBe(2); // FULL
    expect(handle.sqlite.pragma('foreign_keys', { simple: true })).toBe(1);
    // A short wait of SQLite's own (it blocks the event loop); the retries are the dialect's.
    expect(handle.sqlite.pragma('busy_timeout', { simple: true })).toBe(RELAY_BUSY_WAIT_MS);
    expect(handle.sqlite.pragma('auto_vacuum', { simple: true })).toBe(2); // INCREMENTAL
    expect(handle.sqlite.pragma('journal_size_limit', { simple: true })).toBe(16 * 1024 * 1024);
    await handle.db.insertInto('relay_meta').values({ key: 'k', value: 'v' }).execute();
    const row = await handle.db.selectFrom('relay_meta').selectAll().executeTakeFirstOrThrow();
    expect(row).toMatchObject({ key: 'k', value: 'v' });
    expect(row.updated_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it('keeps the database and its WAL readable by the owner only', async () => {
    const handle = await openDatabase(dataDir);
    opened.push(handle);
    await handle.db.insertInto('relay_meta').values({ key: 'k', value: 'v' }).execute();
    for (const file of ['relay.db', 'relay.db-wal', 'relay.db-shm', 'relay.lock']) {
      expect(fs.statSync(path.join(dataDir, file)).mode & 0o777, file).toBe(0o600);
    }
  });

  it('refuses a second relay on the same data directory, then allows it once the first closes', async () => {
    const first = await openDatabase(dataDir);
    await expect(openDatabase(dataDir)).rejects.toMatchObject({
      code: 'DATA_DIR_LOCKED',
      message: `the data directory ${dataDir} is in use by another VaultRoom relay`,
    });
    await first.close();
    const second = await openDatabase(dataDir);
    opened.push(second);
    expect(second.sqlite.open).toBe(true);
  });

  it('keeps data across reopen and does not re-run migrations', async () => {
    const first = await openDatabase(dataDir);
    await first.db.insertInto('relay_meta').values({ key: 'instance', value: 'a' }).execute();
    await first.close();
    const second = await openDatabase(dataDir);
    opened.push(second);
    const rows = await second.db.selectFrom('relay_meta').select('value').execute();
    expect(rows).toEqual([{ value: 'a' }]);
  });

  it('reports an unusable data directory with a coded error', async () => {
    const file = path.join(dataDir, 'not-a-dir');
    fs.writeFileSync(file, '');
    const error: unknown = await openDatabase(path.join(file, 'data')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StartupError);
    expect(error).toMatchObject({ code: 'DATA_DIR_UNUSABLE' });
  });
});
