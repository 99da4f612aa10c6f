import type { RelayConfig } from '../config/relayConfig.js';
import type { Logger } from '../log/createLogger.js';
import { openPostgresStorage } from './openPostgresStorage.js';
import { openSqliteStorage } from './openSqliteStorage.js';
import type { RelayStorage } from './RelayStorage.js';

export type { RelayStorage } from './RelayStorage.js';

/** PostgreSQL when the operator gave a database URL, otherwise SQLite in the data directory. */
export function openRelayStorage(
  config: Pick<RelayConfig, 'dataDir' | 'databaseUrl'>,
  log: Logger,
): Promise<RelayStorage> {
  return config.databaseUrl === null
    ? openSqliteStorage(config.dataDir, log)
    : openPostgresStorage(config.databaseUrl);
}
