import fs from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, Migrator } from 'kysely';
import { createBusyRetryingDialect } from './createBusyRetryingDialect.js';
import { RELAY_BUSY_WAIT_MS } from './retryWhileBusy.js';
import { StartupError } from '../lifecycle/StartupError.js';
import { acquireDataDirLock } from './acquireDataDirLock.js';
import { enableIncrementalVacuum, type IncrementalVacuumSetup } from './enableIncrementalVacuum.js';
import { migrationProvider } from './migrations/index.js';
import { createSqliteWriteStore } from './createSqliteWriteStore.js';
import type { RelayDatabase } from './schema.js';
import type { WriteStore } from './WriteStore.js';

export interface OpenDatabase {
  /** Reads, one statement at a time (Kysely transactions are refused: see WriteStore). */
  readonly db: Kysely<RelayDatabase>;
  /** Every write: one short transaction per operation. */
  readonly writes: WriteStore;
  /** The underlying connection, for pragmas, the mailbox, the audit reader and backups. */
  readonly sqlite: SQLite.Database;
  /** Whether this open had to rewrite the file once so that freed pages can be given back. */
  readonly vacuum: IncrementalVacuumSetup;
  close(): Promise<void>;
}

export const DATABASE_FILE = 'relay.db';

/**
 * How long a command-line tool's writer waits for SQLite's lock before failing, in milliseconds.
 * The relay's own connection waits only RELAY_BUSY_WAIT_MS per attempt, since that wait blocks
 * every connection it serves, and retries from a timer instead (createBusyRetryingDialect).
 */
const BUSY_TIMEOUT_MS = 5000;

/**
 * The write-ahead log keeps the size of its largest burst (a reconnect storm, a vacuum) unless
 * SQLite cuts it back when it starts over after a checkpoint: to this size.
 */
const WAL_SIZE_LIMIT_BYTES = 16 * 1024 * 1024;

/**
 * Opens `<dataDir>/relay.db` for the one relay that may use it, applies pragmas and migrations.
 * WAL lets readers (backups, `vaultroom audit verify`) run beside the relay; synchronous=FULL
 * makes every commit durable before it returns, which is what an ack to a client promises.
 */
export async function openDatabase(dataDir: string): Promise<OpenDatabase> {
  try {
    fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  } catch (error) {
    throw new StartupError('DATA_DIR_UNUSABLE', `cannot create the data directory ${dataDir}`, {
      cause: error,
    });
  }
  const lock = acquireDataDirLock(dataDir);
  let sqlite: SQLite.Database;
  try {
    const file = path.join(dataDir, DATABASE_FILE);
    // SQLite gives its -wal and -shm files the database file's mode, so creating it owner-only
    // first keeps all three private whatever the umask.
    fs.closeSync(fs.openSync(file, 'a', 0o600));
    sqlite = new SQLite(file, { timeout: RELAY_BUSY_WAIT_MS });
    // Before anything writes the first page (switching to WAL does): only then does a new
    // database take it without a VACUUM. Freed pages then go back in steps (createVacuumScheduler).
    sqlite.pragma('auto_vacuum = INCREMENTAL');
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma(`journal_size_limit = ${WAL_SIZE_LIMIT_BYTES}`);
    sqlite.pragma('synchronous = FULL');
    sqlite.pragma('foreign_keys = ON');
  } catch (error) {
    lock.release();
    throw new StartupError('DATABASE_UNUSABLE', `cannot open the database in ${dataDir}`, {
      cause: error,
    });
  }

  const db = new Kysely<RelayDatabase>({ dialect: createBusyRetryingDialect(sqlite) });
  const writes = createSqliteWriteStore(sqlite, db);
  const close = async (): Promise<void> => {
    await db.destroy(); // closes the better-sqlite3 connection
    lock.release();
  };

  const vacuum = enableIncrementalVacuum(sqlite);
  const { error } = await new Migrator({ db, provider: migrationProvider }).migrateToLatest();
  if (error !== undefined) {
    await close();
    throw new StartupError('DATABASE_UNUSABLE', `database migration failed in ${dataDir}`, {
      cause: error,
    });
  }
  return { db, writes, sqlite, vacuum, close };
}

/**
 * Opens the database of a data directory for a command-line tool while the relay may be running:
 * no directory lock (WAL lets both work, and the busy timeout orders their writes) and no
 * migrations (only the relay migrates), so a schema that is behind is refused.
 */
export async function openDatabaseForTool(dataDir: string): Promise<OpenDatabase> {
  const file = path.join(dataDir, DATABASE_FILE);
  if (!fs.existsSync(file)) {
    throw new StartupError(
      'DATABASE_MISSING',
      `no VaultRoom database in ${dataDir}: start the relay once, or pass --data-dir`,
    );
  }
  const sqlite = new SQLite(file, { timeout: BUSY_TIMEOUT_MS, fileMustExist: true });
  sqlite.pragma('synchronous = FULL');
  sqlite.pragma('foreign_keys = ON');
  const db = new Kysely<RelayDatabase>({ dialect: createBusyRetryingDialect(sqlite) });
  const writes = createSqliteWriteStore(sqlite, db);
  const pending = (await new Migrator({ db, provider: migrationProvider }).getMigrations()).filter(
    (migration) => migration.executedAt === undefined,
  );
  if (pending.length > 0) {
    await db.destroy();
    throw new StartupError(
      'DATABASE_OUTDATED',
      `the database in ${dataDir} is from an older version: start the relay once to upgrade it`,
    );
  }
  // Tools never rewrite the file: that is the relay's to do, once, at its start.
  return { db, writes, sqlite, vacuum: { outcome: 'ready' }, close: () => db.destroy() };
}
