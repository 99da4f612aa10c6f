import fs from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { openDatabaseForTool } from '../db/openDatabase.js';
import { BackupError } from './BackupError.js';
import { backupBlobs, blobsBeside } from './backupBlobs.js';

/** sqlite3_backup_step copies this many pages per step: more than any database has. */
const ALL_PAGES = 0x7fffffff;

export interface BackupResult {
  readonly file: string;
  readonly bytes: number;
  readonly auditEvents: number;
  /** Finished file blobs copied into `<file>.blobs/`, and their bytes. */
  readonly blobs: number;
  readonly blobBytes: number;
}

/**
 * Copies the relay's database into `file` while the relay runs, with SQLite's online backup API.
 * The copy is one consistent snapshot: every page is copied in a single step, inside one read
 * transaction, and in WAL mode a reader neither waits for the relay's writes nor blocks them (a
 * page-by-page copy would restart each time the relay commits). It is written beside the
 * target under a temporary name, switched to a standalone rollback journal so that one file is
 * the whole backup, checked, and only then renamed into place.
 *
 * @throws BackupError `BACKUP_TARGET_EXISTS`, `BACKUP_FAILED`; StartupError when the data
 *   directory holds no usable database.
 */
export async function backupDatabase(dataDir: string, file: string): Promise<BackupResult> {
  const target = path.resolve(file);
  if (fs.existsSync(target)) {
    throw new BackupError(
      'BACKUP_TARGET_EXISTS',
      `${target} exists already: choose a new file name (a backup never overwrites one)`,
    );
  }
  if (fs.existsSync(blobsBeside(target))) {
    throw new BackupError(
      'BACKUP_TARGET_EXISTS',
      `${blobsBeside(target)} exists already: choose a new file name (a backup never overwrites one)`,
    );
  }
  const partial = `${target}.partial-${process.pid}`;
  const database = await openDatabaseForTool(dataDir);
  try {
    // Owner-only before SQLite writes a byte: the backup holds everything the database does.
    fs.closeSync(fs.openSync(partial, 'wx', 0o600));
    // The largest step better-sqlite3 takes: all remaining pages at once (it clamps negatives).
    await database.sqlite.backup(partial, { progress: () => ALL_PAGES });
  } catch (error) {
    fs.rmSync(partial, { force: true });
    throw new BackupError('BACKUP_FAILED', `the backup into ${target} failed`, { cause: error });
  } finally {
    await database.close();
  }

  let auditEvents: number;
  let blobs: { blobs: number; bytes: number };
  try {
    const copy = new SQLite(partial, { fileMustExist: true });
    try {
      copy.pragma('journal_mode = DELETE');
      blobs = backupBlobs(copy, dataDir, blobsBeside(partial));
      const check = copy.pragma('integrity_check', { simple: true });
      if (check !== 'ok') throw new Error(`integrity_check: ${String(check)}`);
      auditEvents =
        copy.prepare<[], { n: number }>('SELECT count(*) AS n FROM audit_events').get()?.n ?? 0;
    } finally {
      copy.close();
    }
    const handle = fs.openSync(partial, 'r');
    fs.fsyncSync(handle);
    fs.closeSync(handle);
    if (blobs.blobs > 0) fs.renameSync(blobsBeside(partial), blobsBeside(target));
    fs.renameSync(partial, target);
  } catch (error) {
    fs.rmSync(partial, { force: true });
    fs.rmSync(blobsBeside(partial), { recursive: true, force: true });
    throw new BackupError('BACKUP_FAILED', `the backup in ${target} did not check out`, {
      cause: error,
    });
  }
  return {
    file: target,
    bytes: fs.statSync(target).size,
    auditEvents,
    blobs: blobs.blobs,
    blobBytes: blobs.bytes,
  };
}
