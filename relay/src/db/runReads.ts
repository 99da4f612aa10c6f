import type { Kysely } from 'kysely';
import type { RelayDatabase } from './schema.js';
import type { Write } from './WriteStore.js';

export class ReadOnlyStatementError extends Error {
  readonly code = 'WRITE_OUTSIDE_TRANSACTION';
  constructor() {
    super('a read asked for a write: run it through the write store');
    this.name = 'ReadOnlyStatementError';
  }
}

/**
 * Runs a sequence of reads written as a write-store generator (see WriteStore) outside any
 * transaction, each statement on its own: the same code then serves both as part of a write
 * operation (`yield*`, seeing the operation's own writes) and as a plain read. A statement that
 * asks how many rows it changed is a write, and is refused.
 */
export async function runReads<T>(db: Kysely<RelayDatabase>, steps: Write<T>): Promise<T> {
  let step = steps.next();
  while (step.done !== true) {
    if (step.value.want !== 'rows') {
      step = steps.throw(new ReadOnlyStatementError());
      continue;
    }
    let found: unknown;
    try {
      found = (await db.executeQuery(step.value.query)).rows;
    } catch (error) {
      step = steps.throw(error);
      continue;
    }
    step = steps.next(found);
  }
  return step.value;
}
