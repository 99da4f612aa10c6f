import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { loadOrCreateAuditLogKey } from '../audit/auditLogKey.js';
import { openDatabase } from '../db/openDatabase.js';
import { backupDatabase } from './backupDatabase.js';
import { BackupError } from './BackupError.js';
import { restoreDatabase } from './restoreDatabase.js';

const dirs: string[] = [];
const tempDir = () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vaultroom-backup-unit-'));
  dirs.push(dir);
  return dir;
};

afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

async function codeOf(work: Promise<unknown>): Promise<string> {
  try {
    await work;
  } catch (error) {
    if (error instanceof BackupError) return error.code;
    throw error;
  }
  throw new Error('expected a BackupError');
}

describe('backupDatabase', () => {
  it('copies a database that is open and written to into one standalone, private file', async () => {
    const dataDir = tempDir();
    const database = await openDatabase(dataDir);
    try {
      database.sqlite
        .prepare("INSERT INTO relay_meta (key, value) VALUES ('backup_probe', 'before')")
        .run();
      const file = path.join(tempDir(), 'copy.db');
      const result = await backupDatabase(dataDir, file);
      expect(result.file).toBe(file);
      expect(fs.statSync(file).mode & 0o777).toBe(0o600);
      expect(fs.readdirSync(path.dirname(file))).toEqual(['copy.db']); // no -wal, no partial
      const copy = new SQLite(file, { readonly: true });
      try {
        expect(copy.pragma('journal_mode', { simple: true })).toBe('delete');
        expect(
          copy.prepare("SELECT value FROM relay_meta WHERE key = 'backup_probe'").pluck().get(),
        ).toBe('before');
      } finally {
        copy.close();
      }
      expect(await codeOf(backupDatabase(dataDir, file))).toBe('BACKUP_TARGET_EXISTS');
    } finally {
      await database.close();
    }
  });
});

describe('restoreDatabase', () => {
  it('refuses while a relay holds the data directory, and a file that is not a database', async () => {
    const dataDir = tempDir();
    const { verifierKey } = await loadOrCreateAuditLogKey(dataDir, 'vaultroom.test');
    const notADatabase = path.join(tempDir(), 'notes.txt');
    fs.writeFileSync(notADatabase, 'not a database');

    const database = await openDatabase(dataDir);
    try {
      expect(await codeOf(restoreDatabase(dataDir, notADatabase, { verifierKey }))).toBe(
        'RELAY_RUNNING',
      );
    } finally {
      await database.close();
    }
    expect(await codeOf(restoreDatabase(dataDir, notADatabase, { verifierKey }))).toBe(
      'BACKUP_UNREADABLE',
    );
    expect(await codeOf(restoreDatabase(dataDir, `${notADatabase}.gone`, { verifierKey }))).toBe(
      'BACKUP_UNREADABLE',
    );
    // Nothing was left behind by the refusals.
    expect(fs.readdirSync(dataDir).filter((name) => name.includes('restore'))).toEqual([]);
  });
});
