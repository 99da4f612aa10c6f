import { Option, type Command } from 'commander';
import { queriedAuditWalk } from '../audit/queriedAuditWalk.js';
import { sqliteAuditWalk } from '../audit/sqliteAuditWalk.js';
import type { AuditWalkSource } from '../audit/AuditWalkSource.js';
import { DEFAULTS } from '../config/relayConfig.js';
import { parseDatabaseUrl } from '../config/parseDatabaseUrl.js';
import { openDatabaseForTool } from '../db/openDatabase.js';
import { openPostgresDatabaseForTool } from '../db/openPostgresDatabase.js';
import type { RelayDb } from '../db/schema.js';
import type { WriteStore } from '../db/WriteStore.js';

/** The relay's database as the operator's commands use it (accounts, invites, audit), on either engine. */
export interface ToolDatabase {
  readonly db: RelayDb;
  readonly writes: WriteStore;
  /** How verify walks the log: SQLite's ordered scan, or pages by key on PostgreSQL. */
  readonly walk: AuditWalkSource;
  close(): Promise<void>;
}

/** PostgreSQL when a database URL is given (flag or VAULTROOM_DATABASE_URL), else the data dir's SQLite. */
export async function openToolDatabase(flags: {
  readonly dataDir: string;
  readonly databaseUrl?: string | undefined;
}): Promise<ToolDatabase> {
  const url = parseDatabaseUrl(flags.databaseUrl);
  if (url !== null) {
    const database = await openPostgresDatabaseForTool(url);
    return { ...database, walk: queriedAuditWalk(database.db) };
  }
  const database = await openDatabaseForTool(flags.dataDir);
  return { ...database, walk: sqliteAuditWalk(database.sqlite) };
}

/** The options that say where the relay's database is: its data directory, or PostgreSQL. */
export function withDatabaseLocation(command: Command): Command {
  return command
    .addOption(
      new Option('--data-dir <dir>', 'the relay data directory')
        .env('VAULTROOM_DATA_DIR')
        .default(DEFAULTS.dataDir),
    )
    .addOption(
      new Option('--database-url <url>', "the relays' PostgreSQL database, if they use one").env(
        'VAULTROOM_DATABASE_URL',
      ),
    );
}
