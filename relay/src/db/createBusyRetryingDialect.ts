import type SQLite from 'better-sqlite3';
import {
  SqliteDialect,
  type CompiledQuery,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  type QueryResult,
} from 'kysely';
import { BUSY_RETRY, retryWhileBusy, type BusyRetryPolicy } from './retryWhileBusy.js';

/**
 * Kysely's SQLite dialect, with every statement retried while another process holds the lock
 * (see retryWhileBusy): the connection's own busy wait stays short, so a locked database costs
 * the event loop milliseconds per attempt instead of seconds. Each statement stands alone: Kysely
 * transactions are refused, since one held across awaits would share the single connection with
 * everything else the event loop runs. Writes that belong together go through the WriteStore.
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
    createDriver: () => new BusyRetryingDriver(base.createDriver(), policy),
  };
}

class BusyRetryingConnection implements DatabaseConnection {
  constructor(
    private readonly inner: DatabaseConnection,
    private readonly policy: BusyRetryPolicy,
  ) {}

  executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    return retryWhileBusy(() => this.inner.executeQuery<R>(query), undefined, this.policy);
  }

  streamQuery<R>(query: CompiledQuery, chunkSize?: number): AsyncIterableIterator<QueryResult<R>> {
    return this.inner.streamQuery<R>(query, chunkSize);
  }
}

export class KyselyTransactionRefused extends Error {
  readonly code = 'USE_THE_WRITE_STORE';
  constructor() {
    super('Kysely transactions are not used on the relay connection: run a WriteStore operation');
    this.name = 'KyselyTransactionRefused';
  }
}

const refused = (): Promise<void> => Promise.reject(new KyselyTransactionRefused());

/** Kysely's own driver, handing out the retrying connection. */
class BusyRetryingDriver implements Driver {
  private readonly wrapped = new WeakMap<DatabaseConnection, BusyRetryingConnection>();

  constructor(
    private readonly inner: Driver,
    private readonly policy: BusyRetryPolicy,
  ) {}

  init(): Promise<void> {
    return this.inner.init();
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    const connection = await this.inner.acquireConnection();
    let wrapper = this.wrapped.get(connection);
    if (wrapper === undefined) {
      wrapper = new BusyRetryingConnection(connection, this.policy);
      this.wrapped.set(connection, wrapper);
    }
    return wrapper;
  }

  beginTransaction(): Promise<void> {
    return refused();
  }

  commitTransaction(): Promise<void> {
    return refused();
  }

  rollbackTransaction(): Promise<void> {
    return refused();
  }

  releaseConnection(connection: DatabaseConnection): Promise<void> {
    return this.inner.releaseConnection(connection);
  }

  destroy(): Promise<void> {
    return this.inner.destroy();
  }
}
