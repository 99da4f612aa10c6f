import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type OpenDatabase } from '../db/openDatabase.js';
import { appendSecurityEvent } from './recordSecurityEvent.js';
import { sqliteAuditWalk } from './sqliteAuditWalk.js';
import { verifyAuditLog } from './verifyAuditLog.js';

const verify = (database: OpenDatabase) =>
  verifyAuditLog(sqliteAuditWalk(database.sqlite), { origin: 'relay.test/audit', verifiers: [] });

describe('verifyAuditLog', () => {
  let dataDir: string;
  let database: OpenDatabase;

  beforeEach(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vaultroom-verify-'));
    database = await openDatabase(dataDir);
    await database.writes.write(function* (tx) {
      for (let n = 1; n <= 100; n++) {
        yield* appendSecurityEvent(tx, {
          type: 'session_created',
          outcome: 'success',
          target: `s${n}`,
        });
      }
    });
  });

  afterEach(async () => {
    await database.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('checks every stored subtree hash, whatever order the rows are stored in', async () => {
    expect(await verify(database)).toMatchObject({ events: 100, problem: null });
    // The walk reads the nodes in the order appends stored them; rows in another order (as a
    // VACUUM may leave them) are looked up one by one instead.
    database.sqlite.exec(`
      CREATE TEMP TABLE shuffled AS SELECT level, idx, hash FROM audit_nodes ORDER BY rowid DESC;
      DELETE FROM audit_nodes;
      INSERT INTO audit_nodes (level, idx, hash) SELECT level, idx, hash FROM shuffled;`);
    expect(await verify(database)).toMatchObject({ events: 100, problem: null });

    database.sqlite
      .prepare('UPDATE audit_nodes SET hash = zeroblob(32) WHERE level = 2 AND idx = 5')
      .run();
    expect((await verify(database)).problem).toEqual({
      seq: 21,
      message: 'events 21–24 do not match the stored tree: one of them was altered',
    });
  });

  it('names a missing subtree hash', async () => {
    database.sqlite.prepare('DELETE FROM audit_nodes WHERE level = 3 AND idx = 4').run();
    expect((await verify(database)).problem).toEqual({
      seq: 33,
      message: 'events 33–40 do not match the stored tree: one of them was altered',
    });
  });
});
