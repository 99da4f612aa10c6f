import type pg from 'pg';
import type { Kysely } from 'kysely';
import { BUSY_RETRY, retryWhileBusy, type BusyRetryPolicy } from './retryWhileBusy.js';
import type { RelayDatabase } from './schema.js';
import type { Write, WriteStatement, WriteStore, WriteTx } from './WriteStore.js';

/**
 * The write store on PostgreSQL (see WriteStore). Each operation runs inside one SERIALIZABLE
 * transaction on a pooled connection: the store awaits each statement between the generator's
 * steps, which is safe because no other work shares the connection, and the isolation level
 * makes the reads that decide an operation hold until it commits, whatever other relays on the
 * same database do meanwhile. When two collide PostgreSQL fails one with a serialization failure
 * (40001) or a deadlock (40P01), and it runs again from the start, as a lock conflict does on
 * SQLite.
 *
 * One relay runs its operations one after another, as on SQLite: they are short, and run at once
 * they would mostly collide with each other (every audit append reads and extends the same tree
 * tail) and pay for it in retries. Only operations of different relays overlap.
 *
 * A failed statement ends a PostgreSQL transaction: an operation must not go on after one (the
 * next statement would fail too). None does; the error rolls everything back as on SQLite.
 *
 * `db` builds the queries; its dialect must compile for PostgreSQL.
 */
export function createPostgresWriteStore(
  pool: pg.Pool,
  db: Kysely<RelayDatabase>,
  policy: BusyRetryPolicy = BUSY_RETRY,
): WriteStore {
  async function execute(client: pg.PoolClient, { query, want }: WriteStatement) {
    const result = await client.query(query.sql, query.parameters as unknown[]);
    return want === 'changes' ? (result.rowCount ?? 0) : result.rows;
  }

  async function attempt<T>(operation: (tx: WriteTx) => Write<T>): Promise<T> {
    const client = await pool.connect();
    const effects: (() => void)[] = [];
    let result: T;
    try {
      await client.query('BEGIN ISOLATION LEVEL SERIALIZABLE');
      try {
        const steps = operation({ db, afterCommit: (effect) => effects.push(effect) });
        let step = steps.next();
        while (step.done !== true) {
          let answer: unknown;
          try {
            answer = await execute(client, step.value);
          } catch (error) {
            step = steps.throw(error);
            continue;
          }
          step = steps.next(answer);
        }
        result = step.value;
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      }
    } finally {
      client.release();
    }
    for (const effect of effects) effect();
    return result;
  }

  /** The end of this relay's queue of operations; each starts once the one before settled. */
  let tail: Promise<unknown> = Promise.resolve();

  return {
    write(operation) {
      const run = tail.then(() => retryWhileBusy(() => attempt(operation), undefined, policy));
      tail = run.catch(() => undefined);
      return run;
    },
  };
}
