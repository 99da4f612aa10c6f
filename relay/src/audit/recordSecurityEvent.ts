import type { Kysely, Transaction } from 'kysely';
import type { RelayDatabase } from '../db/schema.js';
import { auditLeafHash, auditNodeHash, type AuditRow } from './auditLeaf.js';

/**
 * The security events the relay records, named after the OWASP logging vocabulary where one fits.
 */
export type SecurityEventType =
  | 'user_created'
  | 'authn_login_success'
  | 'authn_login_fail'
  | 'authn_passkey_added'
  | 'authn_passkey_renamed'
  | 'authn_passkey_removed'
  | 'session_created'
  | 'session_revoked'
  | 'session_expired'
  | 'session_ended'
  | 'invite_created'
  | 'invite_redeemed'
  | 'invite_revoked'
  | 'authn_recovery_used'
  | 'user_disabled'
  | 'user_enabled'
  | 'user_deleted'
  | 'user_role_changed'
  | 'device_added'
  | 'device_revoked'
  | 'registration_fail'
  | 'ratelimit_exceeded'
  | 'origin_refused'
  | 'session_upgrade_refused'
  | 'malformed_frame'
  | 'relay_started'
  | 'relay_stopped'
  | 'config_changed'
  /** Old events were deleted under the retention policy (`vaultroom audit prune`). */
  | 'audit_pruned';

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

async function append(
  trx: Transaction<RelayDatabase>,
  event: SecurityEvent,
  now: Date,
): Promise<void> {
  const last = await trx
    .selectFrom('audit_events')
    .select('seq')
    .orderBy('seq', 'desc')
    .limit(1)
    .executeTakeFirst();
  const row: AuditRow = {
    seq: (last?.seq ?? 0) + 1,
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
  await trx
    .insertInto('audit_events')
    .values({ ...row, leaf_hash: hash })
    .execute();

  // Leaf i closes one complete subtree per trailing 1 bit of i: store each, so proofs and roots
  // read O(log n) hashes instead of rehashing whole ranges.
  let level = 0;
  let index = row.seq - 1;
  while (index % 2 === 1) {
    const left =
      level === 0
        ? (
            await trx
              .selectFrom('audit_events')
              .select('leaf_hash as hash')
              .where('seq', '=', index)
              .executeTakeFirstOrThrow()
          ).hash
        : (
            await trx
              .selectFrom('audit_nodes')
              .select('hash')
              .where('level', '=', level)
              .where('idx', '=', index - 1)
              .executeTakeFirstOrThrow()
          ).hash;
    hash = auditNodeHash(left, hash);
    level += 1;
    index = (index - 1) / 2;
    await trx.insertInto('audit_nodes').values({ level, idx: index, hash }).execute();
  }
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
    await append(db as Transaction<RelayDatabase>, event, now);
  } else {
    await db.transaction().execute((trx) => append(trx, event, now));
  }
}
