import type { SecurityEventType } from '@vaultroom/shared';
import type SQLite from 'better-sqlite3';
import type { Kysely, Transaction } from 'kysely';
import type { RelayDatabase } from '../db/schema.js';
import { retryWhileBusy } from '../db/retryWhileBusy.js';
import { sqliteConnectionOf } from '../db/sqliteConnectionOf.js';
import { auditLeafHash, auditNodeHash, type AuditRow } from './auditLeaf.js';
import { createAuditReader, type AuditReader } from './createAuditReader.js';

export type { SecurityEventType } from '@vaultroom/shared';

export interface SecurityEvent {
  readonly type: SecurityEventType;
  readonly outcome: 'success' | 'failure';
  readonly actorAccountId?: string | null;
  readonly actorDeviceId?: string | null;
  /** What the action was done to: an account, passkey, session or invite id. */
  readonly target?: string | null;
  /** The client address, already reduced to a keyed hash by the caller. */
  readonly client?: string | null;
  /** The user agent family ("Chrome on Android"), never the raw header. */
  readonly userAgent?: string | null;
  /** Small structured facts; never tokens, challenges, keys or message contents. */
  readonly details?: Readonly<Record<string, string | number | boolean | null>>;
}

const MAX_FIELD = 200;

/**
 * Strings from clients (a user agent family, a path) are stored inert: no control or format
 * characters that could rewrite a terminal line or disguise text, and a bounded length.
 */
function inert(value: string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  return value.replace(/[\p{Cc}\p{Cf}]/gu, '\uFFFD').slice(0, MAX_FIELD);
}

function inertDetails(details: SecurityEvent['details']): string {
  const clean: Record<string, string | number | boolean | null> = {};
  for (const [key, value] of Object.entries(details ?? {})) {
    clean[inert(key) ?? ''] = typeof value === 'string' ? inert(value) : value;
  }
  return JSON.stringify(clean);
}

export class AuditAppendError extends Error {
  readonly code = 'AUDIT_TREE_DAMAGED';
  constructor(message: string) {
    super(message);
    this.name = 'AuditAppendError';
  }
}

/** The append statements, prepared once per connection. */
interface AppendStatements {
  readonly reader: AuditReader;
  readonly insertEvent: SQLite.Statement<
    [number, string, string, string, ...(string | null)[], Uint8Array]
  >;
  readonly insertNode: SQLite.Statement<[number, number, Uint8Array]>;
}

/**
 * Where the tree stands inside one transaction: its size and its right edge, the hashes of the
 * complete subtrees that cover it, largest first (RFC 9162 §2.1.1). Appending leaf i pops one
 * edge hash per trailing 1 bit of i as the left sibling of each subtree it closes.
 */
interface TreeTail {
  size: number;
  readonly edge: Uint8Array[];
}

const statements = new WeakMap<SQLite.Database, AppendStatements>();

/**
 * Tails live only as long as their transaction object: the first append of a transaction reads
 * the size and edge from the database, inside the transaction, and later appends of the same
 * transaction carry them on in memory. So a rolled-back transaction takes its tail with it, and
 * whatever another process (a command-line tool) appended in between is read afresh. Within the
 * transaction SQLite's snapshot makes the read and the writes one: a writer that committed after
 * the read makes this transaction's first write fail rather than fork the tree.
 */
const tails = new WeakMap<Transaction<RelayDatabase>, TreeTail>();

function statementsFor(sqlite: SQLite.Database): AppendStatements {
  let prepared = statements.get(sqlite);
  if (prepared === undefined) {
    prepared = {
      reader: createAuditReader(sqlite),
      insertEvent: sqlite.prepare(
        `INSERT INTO audit_events (seq, at, type, outcome, actor_account_id, actor_device_id,
           target, client, user_agent, details, leaf_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      insertNode: sqlite.prepare('INSERT INTO audit_nodes (level, idx, hash) VALUES (?, ?, ?)'),
    };
    statements.set(sqlite, prepared);
  }
  return prepared;
}

/**
 * The hot path: prepared statements on the better-sqlite3 connection the transaction holds (as the
 * mailbox does), synchronous from the first read to the last write, so nothing can interleave.
 */
function append(trx: Transaction<RelayDatabase>, event: SecurityEvent, now: Date): void {
  const sqlite = sqliteConnectionOf(trx);
  let tail = tails.get(trx);
  if (tail === undefined) {
    tail = readTail(sqlite);
    tails.set(trx, tail);
  }
  try {
    appendTo(sqlite, tail, event, now);
  } catch (error) {
    // The tail may be half-updated: the next append in this transaction reads it again.
    tails.delete(trx);
    throw error;
  }
}

function readTail(sqlite: SQLite.Database): TreeTail {
  const { reader } = statementsFor(sqlite);
  const size = reader.size();
  return { size, edge: reader.edge(size) };
}

/** Appends one event at the tail and moves the tail on; the caller's transaction is open. */
function appendTo(sqlite: SQLite.Database, tail: TreeTail, event: SecurityEvent, now: Date): void {
  const { insertEvent, insertNode } = statementsFor(sqlite);
  const row: AuditRow = {
    seq: tail.size + 1,
    at: now.toISOString(),
    type: event.type,
    outcome: event.outcome,
    actor_account_id: event.actorAccountId ?? null,
    actor_device_id: event.actorDeviceId ?? null,
    target: inert(event.target),
    client: event.client ?? null,
    user_agent: inert(event.userAgent),
    details: inertDetails(event.details),
  };
  let hash = auditLeafHash(row);
  insertEvent.run(
    row.seq,
    row.at,
    row.type,
    row.outcome,
    row.actor_account_id,
    row.actor_device_id,
    row.target,
    row.client,
    row.user_agent,
    row.details,
    hash,
  );
  // Leaf i closes one complete subtree per trailing 1 bit of i: store each, so proofs and roots
  // read O(log n) hashes instead of rehashing whole ranges.
  let level = 0;
  let index = tail.size;
  while (index % 2 === 1) {
    const left = tail.edge.pop();
    if (left === undefined) {
      throw new AuditAppendError(`the audit tree edge is short at event ${row.seq}`);
    }
    hash = auditNodeHash(left, hash);
    level += 1;
    index = (index - 1) / 2;
    insertNode.run(level, index, hash);
  }
  tail.edge.push(hash);
  tail.size = row.seq;
}

/**
 * Appends one security event to the audit log. Callers pass their transaction so that an action
 * and its event commit together or not at all; given the database itself, the append runs in a
 * transaction of its own.
 */
export async function recordSecurityEvent(
  db: Kysely<RelayDatabase> | Transaction<RelayDatabase>,
  event: SecurityEvent,
  now: Date = new Date(),
): Promise<void> {
  if (db.isTransaction) {
    append(db as Transaction<RelayDatabase>, event, now);
    return;
  }
  const sqlite = sqliteConnectionOf(db);
  // Another process may hold the database's lock: the wait for it yields to the event loop.
  await retryWhileBusy(async () => {
    if (!sqlite.inTransaction) {
      // Nobody holds a transaction: one synchronous transaction of better-sqlite3's, with no
      // await between its BEGIN and COMMIT for other work to slip into.
      sqlite
        .transaction(() => {
          appendTo(sqlite, readTail(sqlite), event, now);
        })
        .immediate();
      return;
    }
    // Another caller's transaction is open and waiting on an await: a transaction of
    // better-sqlite3's would nest inside it (and share its fate), so wait for the connection
    // through Kysely.
    await db.transaction().execute((trx) => {
      append(trx, event, now);
      return Promise.resolve();
    });
  });
}
