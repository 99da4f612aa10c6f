import pg from 'pg';
import { Kysely, Migrator, PostgresDialect } from 'kysely';
import { StartupError } from '../lifecycle/StartupError.js';
import { createPostgresWriteStore } from './createPostgresWriteStore.js';
import { migrationProvider } from './migrations/index.js';
import type { RelayDatabase } from './schema.js';
import type { WriteStore } from './WriteStore.js';

export interface PostgresDatabase {
  /** Reads, one statement at a time, from the pool. */
  readonly db: Kysely<RelayDatabase>;
  /** Every write: one serializable transaction per operation. */
  readonly writes: WriteStore;
  /**
   * The pool under both, for the mailbox's hot path (createPostgresMailboxStore), which runs its
   * own statements as the SQLite mailbox runs on the connection directly.
   */
  readonly pool: pg.Pool;
  close(): Promise<void>;
}

/**
 * The relay's columns hold whole numbers below 2^53 (times in milliseconds, sizes, counters), as
 * JavaScript numbers on SQLite; node-postgres gives a bigint (int8, the type every whole-number
 * column has there: migrations/portableTypes.ts) as a string unless told.
 */
function relayTypes(): pg.CustomTypesConfig {
  const types = new pg.TypeOverrides();
  types.setTypeParser(pg.types.builtins.INT8, (value: string) => Number(value));
  return types;
}

/** Connections per relay: a pooled connection serves one write operation or one read at a time. */
const POOL_SIZE = 10;

/**
 * Opens the relay's database on PostgreSQL (`VAULTROOM_DATABASE_URL`) and brings its schema up to
 * date. Several relays may share it: Kysely's migrator takes a lock of its own, so only one of
 * them migrates and the others wait for it. Durability is the server's: `synchronous_commit = on`
 * (ops/README) makes a commit durable before it returns, as SQLite's synchronous=FULL does here.
 */
export async function openPostgresDatabase(url: string): Promise<PostgresDatabase> {
  const pool = new pg.Pool({ connectionString: url, max: POOL_SIZE, types: relayTypes() });
  // An idle connection the server dropped (a restart) must not take the process down.
  pool.on('error', () => undefined);
  const db = new Kysely<RelayDatabase>({ dialect: new PostgresDialect({ pool }) });
  const close = () => db.destroy();
  const { error } = await new Migrator({ db, provider: migrationProvider }).migrateToLatest();
  if (error !== undefined) {
    await close();
    throw new StartupError(
      'DATABASE_UNUSABLE',
      `cannot open or migrate the database on PostgreSQL at ${serverOf(url)}: ${messageOf(error)}`,
      { cause: error },
    );
  }
  return { db, writes: createPostgresWriteStore(pool, db), pool, close };
}

/** Host and port of a database URL: what an error may name (the URL may hold a password). */
function serverOf(url: string): string {
  const { hostname, port } = new URL(url);
  return `${hostname}:${port || '5432'}`;
}

/** node-postgres's messages name the server and user at most, never the password. */
function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Connections a command-line tool needs: one read or write at a time. */
const TOOL_POOL_SIZE = 2;

/**
 * Opens the relay's PostgreSQL database for a command-line tool while relays may be running: no
 * migrations (only a relay migrates), so a schema that is behind is refused, and a server that
 * cannot be reached is named by host and port only (the URL may hold a password).
 */
export async function openPostgresDatabaseForTool(url: string): Promise<PostgresDatabase> {
  const pool = new pg.Pool({ connectionString: url, max: TOOL_POOL_SIZE, types: relayTypes() });
  pool.on('error', () => undefined);
  const db = new Kysely<RelayDatabase>({ dialect: new PostgresDialect({ pool }) });
  const close = () => db.destroy();
  let pending: number;
  try {
    pending = (await new Migrator({ db, provider: migrationProvider }).getMigrations()).filter(
      (migration) => migration.executedAt === undefined,
    ).length;
  } catch (error) {
    await close();
    throw new StartupError(
      'DATABASE_UNUSABLE',
      `cannot read the VaultRoom database on PostgreSQL at ${serverOf(url)}: ${messageOf(error)}`,
      { cause: error },
    );
  }
  if (pending > 0) {
    await close();
    throw new StartupError(
      'DATABASE_OUTDATED',
      'the database on PostgreSQL is from an older version: start a relay once to upgrade it',
    );
  }
  return { db, writes: createPostgresWriteStore(pool, db), pool, close };
}
