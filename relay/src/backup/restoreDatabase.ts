import fs from 'node:fs';
import path from 'node:path';
import { parseVerifierKey } from '@vaultroom/shared/transparency';
import SQLite from 'better-sqlite3';
import { sqliteAuditWalk } from '../audit/sqliteAuditWalk.js';
import { verifyAuditLog, type AuditVerification } from '../audit/verifyAuditLog.js';
import { acquireDataDirLock, type DataDirLock } from '../db/acquireDataDirLock.js';
import { DATABASE_FILE } from '../db/openDatabase.js';
import { StartupError } from '../lifecycle/StartupError.js';
import { BackupError } from './BackupError.js';
import { restoreBlobs } from './backupBlobs.js';

export interface RestoreOptions {
  /** The audit log's verifier key (`<name>+<id>+<key>`), usually the data directory's own. */
  readonly verifierKey: string;
  /** Checkpoints kept off the machine: a backup older than one of them is refused. */
  readonly external?: readonly string[];
  /** Names the file the replaced database is kept in; the current time when absent. */
  readonly now?: Date;
}

export interface RestoreResult {
  readonly audit: AuditVerification;
  /** Where the database that was replaced is kept, or null when there was none. */
  readonly previous: string | null;
  /** File blobs put back from `<file>.blobs/`. */
  readonly blobs: number;
}

/**
 * Replaces the data directory's database with a backup, after checking the backup: SQLite's
 * integrity check, then the whole audit log (every event, the Merkle tree and every signed
 * checkpoint) against the relay's verifier key. A backup whose log does not verify was edited or
 * damaged and is refused. The relay must be stopped: its directory lock is taken, and held until
 * the new database is in place. The replaced database is kept beside it, never deleted.
 *
 * @throws BackupError `RELAY_RUNNING`, `BACKUP_UNREADABLE`, `BACKUP_AUDIT_FAILED`
 */
export async function restoreDatabase(
  dataDir: string,
  file: string,
  options: RestoreOptions,
): Promise<RestoreResult> {
  const source = path.resolve(file);
  if (!fs.existsSync(source)) {
    throw new BackupError('BACKUP_UNREADABLE', `no backup at ${source}`);
  }
  const verifiers = [parseVerifierKey(options.verifierKey)];
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  let lock: DataDirLock;
  try {
    lock = acquireDataDirLock(dataDir);
  } catch (error) {
    if (error instanceof StartupError && error.code === 'DATA_DIR_LOCKED') {
      throw new BackupError(
        'RELAY_RUNNING',
        `a relay is running on ${dataDir}: stop it before restoring (a backup needs no stop)`,
        { cause: error },
      );
    }
    throw error;
  }
  const incoming = path.join(dataDir, `${DATABASE_FILE}.restore-${process.pid}`);
  try {
    // Checked as a private copy, so that the file checked is the file put in place.
    fs.copyFileSync(source, incoming, fs.constants.COPYFILE_EXCL);
    fs.chmodSync(incoming, 0o600);
    const audit = await checkBackup(incoming, source, verifiers, options.external ?? []);
    const blobs = withDatabase(incoming, (db) => restoreBlobs(db, source, dataDir));
    const previous = setAsideCurrent(dataDir, options.now ?? new Date());
    const live = path.join(dataDir, DATABASE_FILE);
    matchOwner(incoming, dataDir);
    fs.renameSync(incoming, live);
    syncDirectory(dataDir);
    return { audit, previous, blobs };
  } finally {
    fs.rmSync(incoming, { force: true });
    lock.release();
  }
}

async function checkBackup(
  copy: string,
  source: string,
  verifiers: ReturnType<typeof parseVerifierKey>[],
  external: readonly string[],
): Promise<AuditVerification> {
  let sqlite: SQLite.Database;
  try {
    sqlite = new SQLite(copy, { fileMustExist: true });
  } catch (error) {
    throw new BackupError('BACKUP_UNREADABLE', `${source} is not a database`, { cause: error });
  }
  try {
    let origin: string | undefined;
    try {
      const check = sqlite.pragma('integrity_check', { simple: true });
      if (check !== 'ok') throw new Error(`integrity_check: ${String(check)}`);
      origin = sqlite
        .prepare<[], { value: string }>("SELECT value FROM relay_meta WHERE key = 'audit_origin'")
        .get()?.value;
    } catch (error) {
      throw new BackupError(
        'BACKUP_UNREADABLE',
        `${source} is not a sound VaultRoom database: ${error instanceof Error ? error.message : String(error)}`,
        { cause: error },
      );
    }
    if (origin === undefined) {
      throw new BackupError('BACKUP_UNREADABLE', `${source} holds no VaultRoom audit log`);
    }
    const audit = await verifyAuditLog(sqliteAuditWalk(sqlite), { origin, verifiers, external });
    if (audit.problem !== null) {
      const where = audit.problem.seq === null ? '' : ` at event ${audit.problem.seq}`;
      throw new BackupError(
        'BACKUP_AUDIT_FAILED',
        `refusing to restore ${source}: its audit log does not verify${where}: ${audit.problem.message}`,
      );
    }
    return audit;
  } finally {
    sqlite.close();
  }
}

/**
 * Moves the current database out of the way, its write-ahead log folded in first: the WAL
 * belongs to that file, and one left behind would be replayed into the restored database.
 */
function setAsideCurrent(dataDir: string, now: Date): string | null {
  const live = path.join(dataDir, DATABASE_FILE);
  if (fs.existsSync(live)) {
    const current = new SQLite(live, { fileMustExist: true });
    try {
      current.pragma('wal_checkpoint(TRUNCATE)');
      current.pragma('journal_mode = DELETE');
    } finally {
      current.close();
    }
  }
  for (const suffix of ['-wal', '-shm']) fs.rmSync(`${live}${suffix}`, { force: true });
  if (!fs.existsSync(live)) return null;
  const stamp = now.toISOString().replace(/[:.]/g, '-');
  const previous = path.join(dataDir, `${DATABASE_FILE}.before-restore-${stamp}`);
  fs.renameSync(live, previous);
  return previous;
}

function withDatabase<T>(file: string, use: (db: SQLite.Database) => T): T {
  const db = new SQLite(file, { fileMustExist: true });
  try {
    return use(db);
  } finally {
    db.close();
  }
}

/** Run as root for a relay that runs as its own user, the restored file must still be its. */
function matchOwner(file: string, dataDir: string): void {
  if (process.getuid?.() !== 0) return;
  const owner = fs.statSync(dataDir);
  fs.chownSync(file, owner.uid, owner.gid);
}

function syncDirectory(dir: string): void {
  const handle = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(handle);
  } finally {
    fs.closeSync(handle);
  }
}
