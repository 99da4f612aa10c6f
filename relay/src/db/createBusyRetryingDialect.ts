import type SQLite from 'better-sqlite3';
import {
  SqliteDialect,
  type CompiledQuery,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  type QueryCompiler,
  type QueryResult,
  type TransactionSettings,
} from 'kysely';
import { BUSY_RETRY, retryWhileBusy, type BusyRetryPolicy } from './retryWhileBusy.js';

/**
 * Kysely's SQLite dialect, with every statement retried while another process holds the lock
 * (see retryWhileBusy): the connection's own busy wait stays short, so a locked database costs
 * the event loop milliseconds per attempt instead of seconds. Inside a transaction a statement
 * is retried only while the transaction is still open: on some lock errors SQLite rolls the
 * transaction back by itself, and a retry would then run outside it.
 */
export function createBusyRetryingDialect(
  sqlite: SQLite.Database,
  policy: BusyRetryPolicy = BUSY_RETRY,
): Dialect {
  const base = new SqliteDialect({ database: sqlite });
  return {
    createAdapter: () => base.createAdapter(),
    createQueryCompiler: () => base.createQueryCompiler(),
    createIntrospector: (db) => base.createIntrospector(db),
    createDriver: () => new BusyRetryingDriver(base.createDriver(), sqlite, policy),
  };
}

class BusyRetryingConnection implements DatabaseConnection {
  constructor(
    private readonly inner: DatabaseConnection,
    private readonly sqlite: SQLite.Database,
    private readonly policy: BusyRetryPolicy,
  ) {}

  executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    const inTransaction = this.sqlite.inTransaction;
    return retryWhileBusy(
      () => this.inner.executeQuery<R>(query),
      () => this.sqlite.inTransaction === inTransaction,
      this.policy,
    );
  }

  streamQuery<R>(query: CompiledQuery, chunkSize?: number): AsyncIterableIterator<QueryResult<R>> {
    return this.inner.streamQuery<R>(query, chunkSize);
  }
}

const unsupported = (): Promise<void> =>
  Promise.reject(new Error('the SQLite driver has no savepoints'));

/** Kysely's own driver, handing out the retrying connection. */
class BusyRetryingDriver implements Driver {
  private readonly wrapped = new WeakMap<DatabaseConnection, BusyRetryingConnection>();

  constructor(
    private readonly inner: Driver,
    private readonly sqlite: SQLite.Database,
    private readonly policy: BusyRetryPolicy,
  ) {}

  init(): Promise<void> {
    return this.inner.init();
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    const connection = await this.inner.acquireConnection();
    let wrapper = this.wrapped.get(connection);
    if (wrapper === undefined) {
      wrapper = new BusyRetryingConnection(connection, this.sqlite, this.policy);
      this.wrapped.set(connection, wrapper);
    }
    return wrapper;
  }

  beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    return this.inner.beginTransaction(connection, settings);
  }

  commitTransaction(connection: DatabaseConnection): Promise<void> {
    return this.inner.commitTransaction(connection);
  }

  rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    return this.inner.rollbackTransaction(connection);
  }

  savepoint(
    connection: DatabaseConnection,
    name: string,
    compileQuery: QueryCompiler['compileQuery'],
  ): Promise<void> {
    return this.inner.savepoint?.(connection, name, compileQuery) ?? unsupported();
  }

  rollbackToSavepoint(
    connection: DatabaseConnection,
    name: string,
    compileQuery: QueryCompiler['compileQuery'],
  ): Promise<void> {
    return this.inner.rollbackToSavepoint?.(connection, name, compileQuery) ?? unsupported();
  }

  releaseSavepoint(
    connection: DatabaseConnection,
    name: string,
    compileQuery: QueryCompiler['compileQuery'],
  ): Promise<void> {
    return this.inner.releaseSavepoint?.(connection, name, compileQuery) ?? unsupported();
  }

  releaseConnection(connection: DatabaseConnection): Promise<void> {
    return this.inner.releaseConnection(connection);
  }

  destroy(): Promise<void> {
    return this.inner.destroy();
  }
}
