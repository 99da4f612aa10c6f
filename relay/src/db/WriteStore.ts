import type { Compilable, CompiledQuery, Kysely } from 'kysely';
import type { RelayDatabase } from './schema.js';

/**
 * The relay's one write discipline: every change to the database is one operation, run as one
 * short transaction that the caller owns. Slow or asynchronous checks (WebAuthn verification,
 * signature checks, reads that only inform a decision) happen before it; inside it, the reads
 * that decide and the writes they lead to run with nothing else in between, and the audit events
 * of the operation are appended in it (appendSecurityEvent), so an action and its leaf commit or
 * roll back together.
 *
 * An operation is a generator: it yields each statement (built and compiled by Kysely) and gets
 * its result back. It never awaits, so the store decides how statements reach the engine:
 * - SQLite (createSqliteWriteStore): the relay's single better-sqlite3 connection runs the whole
 *   generator synchronously inside one `BEGIN IMMEDIATE … COMMIT`. No other work of the event
 *   loop (a group commit, another request) can run inside the transaction or see half of it.
 * - PostgreSQL (createPostgresWriteStore): the same operations, unchanged, on a connection taken
 *   from a pool for the operation, inside one SERIALIZABLE `BEGIN … COMMIT`; the store awaits
 *   each statement between the generator's steps, which is safe there because the connection is
 *   the operation's alone. A serialization failure reruns the operation from the start, as a
 *   lock conflict does on SQLite.
 * Either way an operation may be run more than once (a lock conflict retries it from the top), so
 * it keeps its effects to its statements and to `afterCommit` callbacks.
 */
export interface WriteStore {
  /**
   * Runs `operation` in one transaction and resolves with what it returns once committed. Another
   * process holding the lock is waited out from timers (the operation is retried from the start)
   * until a deadline, then its lock error is thrown (reported as STORAGE_BUSY). Any throw inside
   * the operation rolls the whole transaction back.
   */
  write<T>(operation: (tx: WriteTx) => Write<T>): Promise<T>;
}

/** What an operation sees of its transaction. */
export interface WriteTx {
  /**
   * Builds queries for this store's engine. Only build with it here: run each query by yielding
   * it (`yield* rows(…)`, `first`, `changes`), never with `.execute()`.
   */
  readonly db: Kysely<RelayDatabase>;
  /** Runs `effect` once the transaction has committed (never after a rollback or a retry). */
  afterCommit(effect: () => void): void;
}

/** One statement an operation hands to its store, and the kind of answer it wants back. */
export interface WriteStatement {
  readonly query: CompiledQuery;
  /** `rows`: the rows it returns; `changes`: how many rows it inserted, updated or deleted. */
  readonly want: 'rows' | 'changes';
}

/** A write operation, or a part of one: yields statements, returns T. */
export type Write<T> = Generator<WriteStatement, T, unknown>;

/**
 * The rows a query returns (a SELECT, or a write with RETURNING). The store answers a `rows`
 * statement with the engine's rows, in the shape Kysely's own driver gives them.
 */
export function* rows<R>(query: Compilable<R>): Write<R[]> {
  return (yield { query: query.compile(), want: 'rows' }) as R[];
}

/** The first row a query returns, if any. */
export function* first<R>(query: Compilable<R>): Write<R | undefined> {
  const found = yield* rows(query);
  return found[0];
}

/** Runs a write and returns how many rows it changed. */
export function* changes(query: Compilable): Write<number> {
  return (yield { query: query.compile(), want: 'changes' }) as number;
}

export class WriteNestingError extends Error {
  readonly code = 'WRITE_INSIDE_WRITE';
  constructor() {
    super('a write operation started another one: compose them with yield* instead');
    this.name = 'WriteNestingError';
  }
}

export class MissingRowError extends Error {
  readonly code = 'MISSING_ROW';
  constructor() {
    super('a query that must find a row found none');
    this.name = 'MissingRowError';
  }
}

/** The first row of a query that must find one (a row this operation's own checks vouch for). */
export function* firstOrThrow<R>(query: Compilable<R>): Write<R> {
  const found = yield* rows(query);
  const row = found[0];
  if (row === undefined) throw new MissingRowError();
  return row;
}

/**
 * A statement run so often that building and compiling it each time would cost more than
 * running it (the audit append): compiled once per Kysely instance, so still in that engine's SQL,
 * then given new parameters each time. Every parameter must come from `values` as is: the
 * template is compiled with a marker in each value and refuses a parameter that is not one.
 */
export function reusableStatement<V extends object>(
  build: (db: Kysely<RelayDatabase>, values: V) => Compilable,
): (db: Kysely<RelayDatabase>, values: V) => Compilable {
  const templates = new WeakMap<Kysely<RelayDatabase>, { query: CompiledQuery; order: string[] }>();
  const marker = (key: string) => `\u0000reusable:${key}`;
  return (db, values) => {
    let template = templates.get(db);
    if (template === undefined) {
      const keys = Object.keys(values);
      const markers = Object.fromEntries(keys.map((key) => [key, marker(key)])) as V;
      const query = build(db, markers).compile();
      const order = query.parameters.map((parameter) => {
        const key = keys.find((candidate) => marker(candidate) === parameter);
        if (key === undefined) throw new TypeError('a reusable statement has a fixed parameter');
        return key;
      });
      template = { query, order };
      templates.set(db, template);
    }
    const { query, order } = template;
    const fields = values as Record<string, unknown>;
    return { compile: () => ({ ...query, parameters: order.map((key) => fields[key]) }) };
  };
}
