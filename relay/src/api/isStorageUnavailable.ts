/**
 * SQLite result codes (better-sqlite3 puts them in `error.code`) that say the database cannot take
 * a write right now, not that the request was wrong: the disk is full, another process holds the
 * lock past the busy timeout, or the file system refused I/O. Such a request may succeed when
 * retried, so it is answered 503 with Retry-After rather than as an internal error.
 */
const UNAVAILABLE = /^SQLITE_(FULL|BUSY|LOCKED|IOERR|READONLY|CANTOPEN)(_|$)/;

/**
 * On a full disk, an I/O error or a lock it could not get mid-transaction, SQLite rolls the whole
 * transaction back by itself (sqlite.org/lang_transaction.html, "Response To Errors Within A
 * Transaction"); Kysely's own ROLLBACK then fails with this, hiding the cause. Only those causes
 * lead here, so it means the same as they do.
 */
const ROLLED_BACK_BY_SQLITE = 'cannot rollback - no transaction is active';

/**
 * PostgreSQL's SQLSTATEs (node-postgres puts them in `error.code`) and the socket errors of a
 * server out of reach that mean the same: out of disk or connections (class 53), shutting down
 * or starting (57P01-57P03), the connection lost (class 08), or a serialization conflict still
 * there after the write store's retries (40001, 40P01).
 */
const POSTGRES_UNAVAILABLE =
  /^(53\d{3}|57P0[123]|08\d{3}|40001|40P01|55P03|ECONNREFUSED|ECONNRESET)$/;

/** What node-postgres throws, with no code, when the server ends a connection in use. */
const POSTGRES_CONNECTION_ENDED = 'Connection terminated';

/** SQLite could not get its lock in time: another process holds the database (or a snapshot). */
const LOCKED = /^SQLITE_(BUSY|LOCKED)(_|$)/;

/**
 * PostgreSQL's equivalents: a conflict with another transaction (serialization failure,
 * deadlock, lock not available), or a server out of reach for a moment (shutting down or
 * starting, the connection lost or refused, no connection slot free). Unlike a full disk
 * (53100), each passes by itself.
 */
const POSTGRES_TAKEN = /^(40001|40P01|55P03|57P0[123]|08\d{3}|53300|ECONNREFUSED|ECONNRESET)$/;

/**
 * True when the write failed only because the database is taken for now: another process held
 * its lock past the busy timeout, or (PostgreSQL) another transaction or a restart was in the
 * way. The storage is there and has room; the write is worth trying again shortly.
 */
export function isStorageLocked(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && (LOCKED.test(code) || POSTGRES_TAKEN.test(code))) return true;
  const message = (error as { message?: unknown }).message;
  if (code === undefined && typeof message === 'string') {
    if (message.startsWith(POSTGRES_CONNECTION_ENDED)) return true;
  }
  return 'cause' in error && error.cause !== error && isStorageLocked(error.cause);
}

export function isStorageUnavailable(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && (UNAVAILABLE.test(code) || POSTGRES_UNAVAILABLE.test(code))) {
    return true;
  }
  const message = (error as { message?: unknown }).message;
  if (
    code === undefined &&
    typeof message === 'string' &&
    message.startsWith(POSTGRES_CONNECTION_ENDED)
  ) {
    return true;
  }
  if (
    code === 'SQLITE_ERROR' &&
    (error as { message?: unknown }).message === ROLLED_BACK_BY_SQLITE
  ) {
    return true;
  }
  // Kysely and our own wrappers keep the engine's error as the cause.
  return 'cause' in error && error.cause !== error && isStorageUnavailable(error.cause);
}
