import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { StartupError } from '../lifecycle/StartupError.js';

export interface DataDirLock {
  release(): void;
}

/**
 * Holds an exclusive SQLite lock on `<dataDir>/relay.lock` for the life of the process, so two
 * relays never write one database. SQLite's lock is an fcntl lock that the kernel drops when the
 * process dies, so a crash (SIGKILL included) never leaves a stale lock behind, unlike a PID file.
 */
export function acquireDataDirLock(dataDir: string): DataDirLock {
  const lockPath = path.join(dataDir, 'relay.lock');
  fs.closeSync(fs.openSync(lockPath, 'a', 0o600));
  const lock = new Database(lockPath, { timeout: 0 });
  try {
    lock.pragma('locking_mode = EXCLUSIVE');
    lock.pragma('journal_mode = MEMORY'); // the lock file holds no data worth a journal
    // In exclusive locking mode the write lock taken here is kept until the connection closes.
    lock.exec('BEGIN EXCLUSIVE; COMMIT;');
  } catch (error) {
    lock.close();
    throw new StartupError(
      'DATA_DIR_LOCKED',
      `the data directory ${dataDir} is in use by another VaultRoom relay`,
      { cause: error },
    );
  }
  return { release: () => lock.close() };
}
