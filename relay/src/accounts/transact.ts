import type { Transaction } from 'kysely';
import type { RelayDatabase } from '../db/schema.js';
import type { AccountsContext } from './AccountsContext.js';

/** A transaction plus what must happen once it has committed. */
export interface Tx {
  readonly trx: Transaction<RelayDatabase>;
  /** Sessions ended in this transaction; their connections close after the commit. */
  readonly endedSessions: string[];
}

/**
 * Runs `work` in one transaction, so an action and its security event commit together. Live
 * connections of ended sessions are closed only after the commit, never for a rolled-back end.
 */
export async function transact<T>(ctx: AccountsContext, work: (tx: Tx) => Promise<T>): Promise<T> {
  const endedSessions: string[] = [];
  const result = await ctx.db.transaction().execute((trx) => work({ trx, endedSessions }));
  if (endedSessions.length > 0) ctx.onSessionsEnded(endedSessions);
  return result;
}
