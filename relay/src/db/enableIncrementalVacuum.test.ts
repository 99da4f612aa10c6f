import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { enableIncrementalVacuum } from './enableIncrementalVacuum.js';
import { DATABASE_FILE, openDatabase } from './openDatabase.js';

describe('enableIncrementalVacuum', () => {
  let dataDir: string;

  beforeEach(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vaultroom-vacuum-'));
  });

  afterEach(() => {
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  /** A database as relays before incremental vacuum made it: WAL, tables, no auto_vacuum. */
  function legacyDatabase(rows: number): void {
    const sqlite = new SQLite(path.join(dataDir, DATABASE_FILE));
    sqlite.pragma('journal_mode = WAL');
    sqlite.exec('CREATE TABLE filler (id INTEGER PRIMARY KEY, body BLOB NOT NULL)');
    const insert = sqlite.prepare('INSERT INTO filler (body) VALUES (?)');
    sqlite.transaction(() => {
      for (let i = 0; i < rows; i++) insert.run(Buffer.alloc(300, i % 251));
    })();
    expect(sqlite.pragma('auto_vacuum', { simple: true })).toBe(0);
    sqlite.close();
  }

  it('gives a new database incremental vacuum before its first table, without a rewrite', async () => {
    const database = await openDatabase(dataDir);
    try {
      expect(database.vacuum).toEqual({ outcome: 'ready' });
      expect(database.sqlite.pragma('auto_vacuum', { simple: true })).toBe(2); // INCREMENTAL
    } finally {
      await database.close();
    }
  });

  it('converts an existing database once, keeping its rows, and says how long that took', async () => {
    legacyDatabase(2000);
    const first = await openDatabase(dataDir);
    try {
      expect(first.vacuum).toMatchObject({ outcome: 'converted' });
      if (first.vacuum.outcome !== 'converted') return;
      expect(first.vacuum.ms).toBeGreaterThan(0);
      expect(first.vacuum.bytes).toBeGreaterThan(2000 * 300);
      expect(first.sqlite.pragma('auto_vacuum', { simple: true })).toBe(2);
      const count = first.sqlite.prepare('SELECT count(*) AS n FROM filler').get() as { n: number };
      expect(count.n).toBe(2000);
    } finally {
      await first.close();
    }
    const second = await openDatabase(dataDir);
    expect(second.vacuum).toEqual({ outcome: 'ready' });
    await second.close();
  });

  it('reports a rewrite that cannot run and leaves the database as it was', () => {
    legacyDatabase(10);
    const sqlite = new SQLite(path.join(dataDir, DATABASE_FILE));
    try {
      sqlite.exec('BEGIN'); // VACUUM cannot run inside a transaction
      const setup = enableIncrementalVacuum(sqlite);
      expect(setup).toMatchObject({ outcome: 'failed' });
      sqlite.exec('ROLLBACK');
      expect(sqlite.pragma('auto_vacuum', { simple: true })).toBe(0);
      const count = sqlite.prepare('SELECT count(*) AS n FROM filler').get() as { n: number };
      expect(count.n).toBe(10);
    } finally {
      sqlite.close();
    }
  });
});
