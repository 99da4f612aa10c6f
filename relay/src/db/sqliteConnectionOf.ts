import type SQLite from 'better-sqlite3';
import type { QueryExecutor } from 'kysely';

/**
 * The better-sqlite3 connection behind each Kysely instance that openDatabase made, keyed by the
 * instance's adapter: Kysely creates one adapter per instance and every transaction (and plugin
 * variant) of it shares that object, so a transaction leads back to its connection. Kysely has no
 * public way to get from a transaction to its connection; `getExecutor()` is typed but marked
 * internal, which is why Kysely is pinned to one version.
 */
const connections = new WeakMap<object, SQLite.Database>();

/** A Kysely instance or transaction, over any schema. */
interface KyselyLike {
  getExecutor(): Pick<QueryExecutor, 'adapter'>;
}

export class SqliteConnectionError extends Error {
  readonly code = 'DATABASE_NOT_BOUND';
  constructor() {
    super('this Kysely instance was not opened by openDatabase: its connection is unknown');
    this.name = 'SqliteConnectionError';
  }
}

/** Records which connection `db` runs on; openDatabase calls it for every instance it creates. */
export function bindSqliteConnection(db: KyselyLike, sqlite: SQLite.Database): void {
  connections.set(db.getExecutor().adapter, sqlite);
}

/**
 * The connection `db` (an instance or one of its transactions) runs its queries on. Statements run
 * on it directly while a transaction's callback runs are part of that transaction: SQLite keeps one
 * transaction per connection, and Kysely holds the connection for the transaction's whole life.
 */
export function sqliteConnectionOf(db: KyselyLike): SQLite.Database {
  const sqlite = connections.get(db.getExecutor().adapter);
  if (sqlite === undefined) throw new SqliteConnectionError();
  return sqlite;
}
