import type { SecurityEventType } from '@vaultroom/shared';
import { KEY_ENTRY_TYPE } from '@vaultroom/shared/transparency';
import type { AuditEventsTable, AuditNodesTable } from '../db/schema.js';
import {
  changes,
  first,
  reusableStatement,
  type Write,
  type WriteStore,
  type WriteTx,
} from '../db/WriteStore.js';
import { decodeEdge, edgePositions } from './auditEdge.js';
import { auditLeafHash, auditNodeHash, type AuditRow } from './auditLeaf.js';

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
 * Key entries (§3.8) carry a public signed object in base64: a full device list is 892 bytes.
 * Their details are made by the relay from checked bytes, never from free client text.
 */
const MAX_KEY_ENTRY_FIELD = 2048;

/**
 * Strings from clients (a user agent family, a path) are stored inert: no control or format
 * characters that could rewrite a terminal line or disguise text, and a bounded length.
 */
function inert(value: string | null | undefined, max = MAX_FIELD): string | null {
  if (value === null || value === undefined) return null;
  return value.replace(/[\p{Cc}\p{Cf}]/gu, '\uFFFD').slice(0, max);
}

function inertDetails(details: SecurityEvent['details'], max: number): string {
  const clean: Record<string, string | number | boolean | null> = {};
  for (const [key, value] of Object.entries(details ?? {})) {
    clean[inert(key) ?? ''] = typeof value === 'string' ? inert(value, max) : value;
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

/**
 * Where the tree stands inside one transaction: its size and its right edge, the hashes of the
 * complete subtrees that cover it, largest first (RFC 9162 §2.1.1). Appending leaf i pops one
 * edge hash per trailing 1 bit of i as the left sibling of each subtree it closes.
 */
interface TreeTail {
  size: number;
  readonly edge: Uint8Array[];
}

/**
 * Tails live only as long as their transaction: the first append of an operation reads the size
 * and edge inside the transaction, later appends of the same operation carry them on in memory.
 * A rolled-back or retried operation gets a new transaction object and so reads afresh, as does
 * the next operation after another process (a command-line tool) appended. The write store holds
 * the write lock from the transaction's start, so the tail read and the appends are one.
 */
const tails = new WeakMap<WriteTx, TreeTail>();

/**
 * Appends one security event to the audit log as part of the caller's write operation, so the
 * action and its event commit together or not at all: `yield* appendSecurityEvent(tx, …)`.
 * Returns the event's seq (its leaf index + 1).
 */
export function* appendSecurityEvent(
  tx: WriteTx,
  event: SecurityEvent,
  now: Date = new Date(),
): Write<number> {
  let tail = tails.get(tx);
  if (tail === undefined) {
    tail = yield* readTail(tx);
    tails.set(tx, tail);
  }
  try {
    return yield* appendTo(tx, tail, event, now);
  } catch (error) {
    // The tail may be half-updated: the next append in this transaction reads it again.
    tails.delete(tx);
    throw error;
  }
}

/** Appends one security event in a write operation of its own. */
export function recordSecurityEvent(
  writes: WriteStore,
  event: SecurityEvent,
  now: Date = new Date(),
): Promise<number> {
  return writes.write((tx) => appendSecurityEvent(tx, event, now));
}

/**
 * The size and edge of the committed tree. After a pruning the events before its size are gone;
 * the edge parts they covered are kept in the pruning's own row (see createAuditReader).
 */
function* readTail(tx: WriteTx): Write<TreeTail> {
  const newest = yield* first(
    tx.db.selectFrom('audit_events').select((eb) => eb.fn.max('seq').as('seq')),
  );
  const pruning = yield* first(
    tx.db
      .selectFrom('audit_pruning')
      .select(['tree_size', 'edge'])
      .orderBy('tree_size', 'desc')
      .limit(1),
  );
  const size = Math.max(newest?.seq ?? 0, pruning?.tree_size ?? 0);
  const prunedPositions = pruning === undefined ? [] : edgePositions(pruning.tree_size);
  const prunedEdge =
    pruning === undefined ? [] : (decodeEdge(pruning.edge, pruning.tree_size) ?? []);
  const edge: Uint8Array[] = [];
  for (const { level, idx } of edgePositions(size)) {
    const stored =
      level === 0
        ? yield* first(
            tx.db
              .selectFrom('audit_events')
              .select('leaf_hash as hash')
              .where('seq', '=', idx + 1),
          )
        : yield* first(
            tx.db
              .selectFrom('audit_nodes')
              .select('hash')
              .where('level', '=', level)
              .where('idx', '=', idx),
          );
    const kept = prunedPositions.findIndex((at) => at.level === level && at.idx === idx);
    const hash = stored?.hash ?? (kept < 0 ? undefined : prunedEdge[kept]);
    if (hash === undefined) {
      throw new AuditAppendError(`the audit subtree (${level}, ${idx}) is missing`);
    }
    edge.push(hash);
  }
  return { size, edge };
}

/** The two statements of every append, compiled once (an append is a hot path of sign-ins). */
const insertEvent = reusableStatement((db, row: AuditEventsTable) =>
  db.insertInto('audit_events').values(row),
);
const insertNode = reusableStatement((db, node: AuditNodesTable) =>
  db.insertInto('audit_nodes').values(node),
);

/** Appends one event at the tail and moves the tail on, inside the caller's transaction. */
function* appendTo(tx: WriteTx, tail: TreeTail, event: SecurityEvent, now: Date): Write<number> {
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
    details: inertDetails(
      event.details,
      event.type === KEY_ENTRY_TYPE ? MAX_KEY_ENTRY_FIELD : MAX_FIELD,
    ),
  };
  let hash = auditLeafHash(row);
  yield* changes(insertEvent(tx.db, { ...row, leaf_hash: hash }));
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
    yield* changes(insertNode(tx.db, { level, idx: index, hash }));
  }
  tail.edge.push(hash);
  tail.size = row.seq;
  return row.seq;
}
