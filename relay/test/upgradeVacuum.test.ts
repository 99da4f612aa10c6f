import fs from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { request } from './httpsClient.js';
import { makeDataDir, runCli, startRelayProcess } from './relayProcess.js';

const REWROTE = 'rewrote the database once so that it can give freed space back';

describe('a relay upgraded from a version without incremental vacuum', () => {
  const dataDir = makeDataDir();

  afterAll(() => {
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('rewrites its database once at start, says how long it took, and keeps its data', async () => {
    const first = await startRelayProcess({ dataDir });
    expect(first.logs.some((record) => record['msg'] === REWROTE)).toBe(false);
    await first.stop();
    // What older versions left: the same database with auto_vacuum off.
    const file = path.join(dataDir, 'relay.db');
    const sqlite = new SQLite(file);
    sqlite.pragma('auto_vacuum = NONE');
    sqlite.exec('VACUUM');
    expect(sqlite.pragma('auto_vacuum', { simple: true })).toBe(0);
    sqlite.close();

    const upgraded = await startRelayProcess({ dataDir });
    try {
      const rewrote = upgraded.logs.find((record) => record['msg'] === REWROTE);
      expect(rewrote?.['ms']).toEqual(expect.any(Number));
      expect(rewrote?.['bytes']).toBeGreaterThan(0);
      const health = await request(upgraded.httpsPort, upgraded.caPem(), '/healthz');
      expect(health.status).toBe(200);
    } finally {
      await upgraded.stop();
    }
    const check = new SQLite(file, { readonly: true });
    expect(check.pragma('auto_vacuum', { simple: true })).toBe(2); // INCREMENTAL
    check.close();
    // The audit log written before the rewrite still verifies.
    const verified = await runCli(['audit', 'verify', '--data-dir', dataDir]);
    expect(verified.code, verified.stderr).toBe(0);

    const again = await startRelayProcess({ dataDir });
    expect(again.logs.some((record) => record['msg'] === REWROTE)).toBe(false);
    await again.stop();
  });
});
