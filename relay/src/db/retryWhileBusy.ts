/**
 * How the relay waits out a database that another process holds locked (a backup, a command of
 * the CLI, an operator's sqlite3 shell). SQLite's own wait (the connection's busy timeout) blocks
 * the whole event loop, so the relay keeps that wait short and retries from a timer instead,
 * serving every other connection in between, until the deadline.
 */
export interface BusyRetryPolicy {
  /** Give up and report the lock after this long (ms). */
  readonly deadlineMs: number;
  /** The first pause between attempts (ms); it doubles up to `maxDelayMs`. */
  readonly firstDelayMs: number;
  readonly maxDelayMs: number;
}

/** SQLite's own busy wait on the relay's connection (ms): the longest one attempt blocks. */
export const RELAY_BUSY_WAIT_MS = 20;

export const BUSY_RETRY: BusyRetryPolicy = { deadlineMs: 5000, firstDelayMs: 10, maxDelayMs: 200 };

/**
 * Only a plain lock conflict is worth retrying as is; SQLITE_BUSY_SNAPSHOT, for one, means the
 * transaction read a snapshot that another writer has since replaced and must start over. On
 * PostgreSQL (its SQLSTATE in `code`), a serialization failure or a deadlock rolled the
 * transaction back whole, and the operation runs again from its start.
 */
const RETRYABLE = new Set([
  'SQLITE_BUSY',
  'SQLITE_LOCKED',
  'SQLITE_BUSY_TIMEOUT',
  '40001', // serialization_failure
  '40P01', // deadlock_detected
]);

export function isLockConflict(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && RETRYABLE.has(code);
}

/**
 * Runs `attempt`, and while it fails on a lock conflict (and `canRetry` still says that a retry
 * is safe), runs it again after a pause that yields to the event loop, until the deadline; then
 * the last error is thrown for the caller to report as a coded, transient refusal.
 */
export async function retryWhileBusy<T>(
  attempt: () => T | Promise<T>,
  canRetry: () => boolean = () => true,
  policy: BusyRetryPolicy = BUSY_RETRY,
  now: () => number = Date.now,
): Promise<T> {
  const deadline = now() + policy.deadlineMs;
  let delay = policy.firstDelayMs;
  for (;;) {
    try {
      return await attempt();
    } catch (error) {
      if (!isLockConflict(error) || !canRetry() || now() + delay > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, policy.maxDelayMs);
    }
  }
}
