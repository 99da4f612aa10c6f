import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type OpenDatabase } from './openDatabase.js';
import type { RelayDatabase } from './schema.js';
import { sqliteConnectionOf } from './sqliteConnectionOf.js';

describe('sqliteConnectionOf', () => {
  let dataDir: string | undefined;
  let database: OpenDatabase | undefined;

  afterEach(async () => {
    await database?.close();
    if (dataDir !== undefined) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('leads from an opened database and each of its transactions to the one connection', async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vaultroom-connection-'));
    const opened = await openDatabase(dataDir);
    database = opened;
    expect(sqliteConnectionOf(opened.db)).toBe(opened.sqlite);
    await opened.db.transaction().execute((trx) => {
      expect(sqliteConnectionOf(trx)).toBe(opened.sqlite);
      expect(opened.sqlite.inTransaction).toBe(true);
      return Promise.resolve();
    });
  });

  it('refuses, with a code, a Kysely instance that openDatabase did not make', async () => {
    const stray = new Kysely<RelayDatabase>({
      dialect: new SqliteDialect({ database: new SQLite(':memory:') }),
    });
    expect(() => sqliteConnectionOf(stray)).toThrow(
      expect.objectContaining({ code: 'DATABASE_NOT_BOUND' }),
    );
    await stray.destroy();
  });
});
