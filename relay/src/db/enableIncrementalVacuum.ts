import type SQLite from 'better-sqlite3';

/** SQLite's `auto_vacuum` values (sqlite.org/pragma.html#pragma_auto_vacuum). */
const INCREMENTAL = 2;

/** What opening the database did about incremental vacuum. */
export type IncrementalVacuumSetup =
  /** A new database (the mode was set before its first table) or one converted before. */
  | { readonly outcome: 'ready' }
  /** An existing database rewritten once by `VACUUM`; `ms` is how long that blocked. */
  | { readonly outcome: 'converted'; readonly ms: number; readonly bytes: number }
  /** The rewrite failed (no room for the copy, a lock): the relay runs on and tries next start. */
  | { readonly outcome: 'failed'; readonly ms: number; readonly error: unknown };

/**
 * Makes a database give freed pages back in steps (`PRAGMA incremental_vacuum`), which needs
 * `auto_vacuum = INCREMENTAL`. SQLite takes that setting only before the first table exists
 * (openDatabase sets it first thing, so a new database has it) or with a `VACUUM` that rewrites the
 * whole file: done here once, for a database made before the relay set it. That `VACUUM` copies
 * every live page through the write-ahead log and needs free disk room for that copy; its time
 * grows with the live data, not with the free space (BENCHMARKS.md has the figures). A failure
 * leaves the database as it was: pages freed before are still reused, just not given back.
 */
export function enableIncrementalVacuum(sqlite: SQLite.Database): IncrementalVacuumSetup {
  if (sqlite.pragma('auto_vacuum', { simple: true }) === INCREMENTAL) return { outcome: 'ready' };
  const started = performance.now();
  try {
    sqlite.pragma('auto_vacuum = INCREMENTAL');
    sqlite.exec('VACUUM');
    // The rewrite went into the log: copy it back now so the file is its new size at once.
    sqlite.pragma('wal_checkpoint(PASSIVE)');
  } catch (error) {
    return { outcome: 'failed', ms: performance.now() - started, error };
  }
  const ms = performance.now() - started;
  if (sqlite.pragma('auto_vacuum', { simple: true }) !== INCREMENTAL) {
    return { outcome: 'failed', ms, error: new Error('auto_vacuum did not change with VACUUM') };
  }
  const pageSize = sqlite.pragma('page_size', { simple: true }) as number;
  const pages = sqlite.pragma('page_count', { simple: true }) as number;
  return { outcome: 'converted', ms, bytes: pageSize * pages };
}
