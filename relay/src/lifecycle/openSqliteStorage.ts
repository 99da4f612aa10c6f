import fs from 'node:fs';
import path from 'node:path';
import { acquireDataDirLock } from '../db/acquireDataDirLock.js';
import { checkWriteAheadLog } from '../db/checkWriteAheadLog.js';
import { createVacuumScheduler } from '../db/createVacuumScheduler.js';
import { DATABASE_FILE, openDatabase } from '../db/openDatabase.js';
import type { Logger } from '../log/createLogger.js';
import { createMailboxStore } from '../mailbox/createMailboxStore.js';
import type { RelayStorage } from './RelayStorage.js';

/**
 * The embedded default: SQLite in `<dataDir>/relay.db`, owned by this one relay (a lock file
 * keeps a second one out), its write-ahead log checked before opening, freed space given back by
 * a vacuum scheduler.
 */
export async function openSqliteStorage(dataDir: string, log: Logger): Promise<RelayStorage> {
  if (fs.existsSync(path.join(dataDir, DATABASE_FILE))) {
    // SQLite reads a damaged log only up to the damage, without a word, and its next write
    // overwrites the rest: look before it opens, while no other relay can be writing.
    const lock = acquireDataDirLock(dataDir);
    try {
      checkWriteAheadLog(path.join(dataDir, DATABASE_FILE));
    } finally {
      lock.release();
    }
  }
  const database = await openDatabase(dataDir);
  if (database.vacuum.outcome === 'converted') {
    log.info(
      { ms: Math.round(database.vacuum.ms), bytes: database.vacuum.bytes },
      'rewrote the database once so that it can give freed space back',
    );
  } else if (database.vacuum.outcome === 'failed') {
    log.warn(
      { err: database.vacuum.error, ms: Math.round(database.vacuum.ms) },
      'could not rewrite the database to give freed space back; trying again at the next start',
    );
  }
  const vacuum = createVacuumScheduler({ sqlite: database.sqlite, log });
  const probe = database.sqlite.prepare('SELECT 1');
  return {
    engine: 'sqlite',
    db: database.db,
    writes: database.writes,
    mailbox: createMailboxStore(database.sqlite),
    probe: () => {
      probe.get();
    },
    leadsCheckpoints: () => Promise.resolve(true),
    async close() {
      vacuum.stop();
      await database.close();
    },
  };
}
