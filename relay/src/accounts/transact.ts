import type { Write, WriteTx } from '../db/WriteStore.js';
import type { AccountsContext } from './AccountsContext.js';

/** An accounts operation's transaction (see WriteStore). */
export type Tx = WriteTx;

/**
 * Runs `work` as one write operation, so an action and its security event commit together. Live
 * connections of sessions it ends are closed only after the commit (endSessions registers that),
 * never for a rolled-back end.
 */
export function transact<T>(ctx: AccountsContext, work: (tx: Tx) => Write<T>): Promise<T> {
  return ctx.writes.write(work);
}
