import {
  PostgresAdapter,
  sql,
  type ColumnDefinitionBuilder,
  type Kysely,
  type RawBuilder,
} from 'kysely';

/**
 * The column types that differ between the relay's two engines, so one set of migrations builds
 * the same schema on both. On SQLite every choice is what the migrations wrote before PostgreSQL
 * was supported (an `integer primary key` must stay exactly that: it is SQLite's rowid), so a
 * database made by an earlier version and one made now are the same.
 */
export interface PortableTypes {
  /** Bytes: SQLite's blob, PostgreSQL's bytea. */
  readonly bytes: 'blob' | 'bytea';
  /**
   * A whole number up to 2^53 (ids, counters, sizes, epoch milliseconds, 0/1 flags): SQLite's
   * integer is 64-bit already; PostgreSQL's integer is 32-bit, so bigint there.
   */
  readonly integer: 'integer' | 'bigint';
  /** A primary key the engine numbers in insert order (the mailbox's order). */
  readonly insertOrderKey: (column: ColumnDefinitionBuilder) => ColumnDefinitionBuilder;
  /** The current UTC time as ISO 8601 text with milliseconds, as a column default. */
  readonly nowAsText: RawBuilder<string>;
}

export function isPostgres(db: Kysely<unknown>): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}

export function portableTypes(db: Kysely<unknown>): PortableTypes {
  if (isPostgres(db)) {
    return {
      bytes: 'bytea',
      integer: 'bigint',
      insertOrderKey: (column) => column.primaryKey().generatedByDefaultAsIdentity(),
      nowAsText: sql`(to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))`,
    };
  }
  return {
    bytes: 'blob',
    integer: 'integer',
    insertOrderKey: (column) => column.primaryKey().autoIncrement(),
    nowAsText: sql`(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))`,
  };
}
