import type { Kysely, Transaction } from 'kysely';
import type { RelayDatabase } from '../db/schema.js';

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
  | 'registration_fail'
  | 'ratelimit_exceeded'
  | 'origin_refused'
  | 'session_upgrade_refused';

export interface SecurityEvent {
  readonly type: SecurityEventType;
  readonly outcome: 'success' | 'failure';
  readonly actorAccountId?: string | null;
  /** What the action was done to: an account, passkey, session or invite id. */
  readonly target?: string | null;
  /** The client address, already reduced to a keyed hash by the caller. */
  readonly client?: string | null;
  readonly userAgent?: string | null;
  /** Small structured facts; never tokens, challenges, keys or message contents. */
  readonly details?: Readonly<Record<string, string | number | boolean | null>>;
}

/**
 * Records one security event. Callers pass their transaction so that an action and its event
 * commit together or not at all.
 */
export async function recordSecurityEvent(
  db: Kysely<RelayDatabase> | Transaction<RelayDatabase>,
  event: SecurityEvent,
  now: Date = new Date(),
): Promise<void> {
  await db
    .insertInto('security_events')
    .values({
      at: now.toISOString(),
      type: event.type,
      outcome: event.outcome,
      actor_account_id: event.actorAccountId ?? null,
      target: event.target ?? null,
      client: event.client ?? null,
      user_agent: event.userAgent ?? null,
      details: JSON.stringify(event.details ?? {}),
    })
    .execute();
}
