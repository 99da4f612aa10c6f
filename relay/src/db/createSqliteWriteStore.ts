import type SQLite from 'better-sqlite3';
import type { Kysely } from 'kysely';
import { BUSY_RETRY, retryWhileBusy, type BusyRetryPolicy } from './retryWhileBusy.js';
import type { RelayDatabase } from './schema.js';
import {
  WriteNestingError,
  type Write,
  type WriteStatement,
  type WriteStore,
  type WriteTx,
} from './WriteStore.js';

/** Prepared statements kept per distinct SQL text; the relay has a few hundred at most. */
const STATEMENT_CACHE_SIZE = 500;

/**
 * The write store on the relay's single better-sqlite3 connection (see WriteStore). Each
 * operation runs from its first statement to its last inside one `BEGIN IMMEDIATE` transaction
 * with no await in between: the event loop cannot run anything else on the connection until the
 * commit returns, so there is never a transaction open while other work runs, and nothing has to
 * detect one. IMMEDIATE takes the write lock before the first read, so the reads that decide an
 * operation cannot be overtaken by another process's commit (no SQLITE_BUSY_SNAPSHOT halfway).
 *
 * `db` builds the queries; its dialect must compile for SQLite.
 */
export function createSqliteWriteStore(
  sqlite: SQLite.Database,
  db: Kysely<RelayDatabase>,
  policy: BusyRetryPolicy = BUSY_RETRY,
): WriteStore {
  const statements = new Map<string, SQLite.Statement>();
  const busyTimeoutMs = sqlite.pragma('busy_timeout', { simple: true }) as number;
  let running = false;
  /** An operation tried to start another: the outer one is rolled back too. */
  let nested = false;

  function prepared(sql: string): SQLite.Statement {
    let statement = statements.get(sql);
    if (statement === undefined) {
      statement = sqlite.prepare(sql);
      if (statements.size >= STATEMENT_CACHE_SIZE) {
        const oldest = statements.keys().next().value;
        if (oldest !== undefined) statements.delete(oldest);
      }
      statements.set(sql, statement);
    }
    return statement;
  }

  function execute({ query, want }: WriteStatement): unknown {
    const statement = prepared(query.sql);
    const parameters = query.parameters as unknown[];
    if (want === 'changes') return statement.run(...parameters).changes;
    if (statement.reader) return statement.all(...parameters);
    statement.run(...parameters);
    return [];
  }

  function attempt<T>(operation: (tx: WriteTx) => Write<T>): T {
    // Only reachable from inside an operation (everything else sees no transaction open): a
    // second transaction there would silently become a savepoint of the first.
    if (running) {
      nested = true;
      throw new WriteNestingError();
    }
    running = true;
    nested = false;
    const effects: (() => void)[] = [];
    let result: T;
    // BEGIN IMMEDIATE does not wait for another process's lock inside SQLite, which would block
    // the event loop: the retries from timers (retryWhileBusy) do the waiting. Once it has the
    // write lock, nothing inside the transaction waits for a lock in WAL mode.
    sqlite.pragma('busy_timeout = 0');
    try {
      result = sqlite
        .transaction(() => {
          const steps = operation({ db, afterCommit: (effect) => effects.push(effect) });
          let step = steps.next();
          while (step.done !== true) {
            let answer: unknown;
            try {
              answer = execute(step.value);
            } catch (error) {
              // As a rejected await would: the operation may catch it, else it rolls back.
              step = steps.throw(error);
              continue;
            }
            step = steps.next(answer);
          }
          if (nested) throw new WriteNestingError();
          return step.value;
        })
        .immediate();
    } finally {
      sqlite.pragma(`busy_timeout = ${busyTimeoutMs}`);
      running = false;
    }
    for (const effect of effects) effect();
    return result;
  }

  return {
    write: (operation) => retryWhileBusy(() => attempt(operation), undefined, policy),
  };
}
