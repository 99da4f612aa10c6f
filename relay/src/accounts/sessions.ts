import type { SessionView } from '@vaultroom/shared';
import { appendSecurityEvent } from '../audit/recordSecurityEvent.js';
import { changes, first, rows, type Write } from '../db/WriteStore.js';
import { ApiError } from '../api/ApiError.js';
import type { AccountsContext, ClientInfo } from './AccountsContext.js';
import { describeUserAgent } from './describeUserAgent.js';
import { hashSecret, newSecret, randomId } from './secrets.js';
import { readSessionToken, sessionCookie } from './sessionCookie.js';
import { transact, type Tx } from './transact.js';

export interface AuthenticatedSession {
  readonly sessionId: string;
  readonly accountId: string;
  readonly role: 'admin' | 'member';
  /** Epoch ms of the session's last user verification with a passkey (see stepUp.ts). */
  readonly verifiedAt: number | null;
}

/** Don't rewrite last_seen_at on every request: once a minute is precise enough for idle timeouts. */
const TOUCH_INTERVAL_MS = 60_000;

/**
 * Starts a session inside the caller's transaction and returns the Set-Cookie value. The token
 * exists only in that cookie; the database keeps its hash. Every session starts from a ceremony
 * that required user verification (sign-in or registration), so it starts verified (§2.9).
 */
export function* createSession(
  ctx: AccountsContext,
  tx: Tx,
  accountId: string,
  passkeyId: string | null,
  client: ClientInfo,
): Write<string> {
  const now = ctx.now();
  const { token, hash } = newSecret();
  const id = randomId();
  yield* changes(
    tx.db.insertInto('sessions').values({
      id,
      token_hash: hash,
      account_id: accountId,
      passkey_id: passkeyId,
      user_agent: client.userAgent.slice(0, 512),
      created_at: now.toISOString(),
      last_seen_at: now.toISOString(),
      absolute_expires_at: now.getTime() + ctx.settings.sessionMaxMs,
      ended_at: null,
      end_reason: null,
      verified_at: now.getTime(),
    }),
  );
  yield* appendSecurityEvent(
    tx,
    {
      type: 'session_created',
      outcome: 'success',
      actorAccountId: accountId,
      target: id,
      client: ctx.clientTag(client.address),
      userAgent: describeUserAgent(client.userAgent),
    },
    now,
  );
  return sessionCookie(token, ctx.settings.sessionMaxMs / 1000);
}

/**
 * Resolves a Cookie header to a live session of an active account, or null. A session past its
 * idle or absolute limit is ended here, with its event, the first time it is presented.
 */
export async function authenticateSession(
  ctx: AccountsContext,
  cookieHeader: string,
): Promise<AuthenticatedSession | null> {
  const token = readSessionToken(cookieHeader);
  if (token === null) return null;
  const row = await ctx.db
    .selectFrom('sessions')
    .innerJoin('accounts', 'accounts.id', 'sessions.account_id')
    .select([
      'sessions.id as sessionId',
      'sessions.account_id as accountId',
      'sessions.last_seen_at as lastSeenAt',
      'sessions.absolute_expires_at as absoluteExpiresAt',
      'sessions.verified_at as verifiedAt',
      'accounts.role as role',
      'accounts.status as status',
    ])
    .where('sessions.token_hash', '=', hashSecret(token))
    .where('sessions.ended_at', 'is', null)
    .executeTakeFirst();
  if (row?.status !== 'active') return null;

  const now = ctx.now();
  const idleFor = now.getTime() - Date.parse(row.lastSeenAt);
  if (now.getTime() >= row.absoluteExpiresAt || idleFor >= ctx.settings.sessionIdleMs) {
    await transact(ctx, function* (tx) {
      yield* endSessions(ctx, tx, [row.sessionId], 'expired');
      yield* appendSecurityEvent(
        tx,
        {
          type: 'session_expired',
          outcome: 'success',
          actorAccountId: row.accountId,
          target: row.sessionId,
          details: { reason: now.getTime() >= row.absoluteExpiresAt ? 'absolute' : 'idle' },
        },
        now,
      );
    });
    return null;
  }
  if (idleFor >= TOUCH_INTERVAL_MS) {
    await ctx.writes.write((tx) =>
      changes(
        tx.db
          .updateTable('sessions')
          .set({ last_seen_at: now.toISOString() })
          .where('id', '=', row.sessionId),
      ),
    );
  }
  return {
    sessionId: row.sessionId,
    accountId: row.accountId,
    role: row.role,
    verifiedAt: row.verifiedAt,
  };
}

/**
 * Re-checks sessions that hold open sockets, and returns those that are over: ended elsewhere
 * (another relay command, an admin), expired, or of a disabled account. An open socket counts as
 * activity, so a connected device does not hit the idle limit; the absolute limit still applies.
 */
export async function sweepLiveSessions(
  ctx: AccountsContext,
  sessionIds: readonly string[],
): Promise<string[]> {
  if (sessionIds.length === 0) return [];
  const now = ctx.now();
  const rows = await ctx.db
    .selectFrom('sessions')
    .innerJoin('accounts', 'accounts.id', 'sessions.account_id')
    .select([
      'sessions.id as id',
      'sessions.account_id as accountId',
      'sessions.ended_at as endedAt',
      'sessions.last_seen_at as lastSeenAt',
      'sessions.absolute_expires_at as absoluteExpiresAt',
      'accounts.status as status',
    ])
    .where('sessions.id', 'in', sessionIds)
    .execute();
  const found = new Set(rows.map((row) => row.id));
  const over = sessionIds.filter((id) => !found.has(id)); // deleted with their account
  const expired: { id: string; accountId: string }[] = [];
  const active: string[] = [];
  for (const row of rows) {
    if (row.endedAt !== null || row.status !== 'active') over.push(row.id);
    else if (now.getTime() >= row.absoluteExpiresAt) expired.push(row);
    else if (now.getTime() - Date.parse(row.lastSeenAt) >= TOUCH_INTERVAL_MS) active.push(row.id);
  }
  if (expired.length > 0) {
    await transact(ctx, function* (tx) {
      yield* endSessions(
        ctx,
        tx,
        expired.map((row) => row.id),
        'expired',
      );
      for (const row of expired) {
        yield* appendSecurityEvent(
          tx,
          {
            type: 'session_expired',
            outcome: 'success',
            actorAccountId: row.accountId,
            target: row.id,
            details: { reason: 'absolute' },
          },
          now,
        );
      }
    });
  }
  if (active.length > 0) {
    await ctx.writes.write((tx) =>
      changes(
        tx.db
          .updateTable('sessions')
          .set({ last_seen_at: now.toISOString() })
          .where('id', 'in', active),
      ),
    );
  }
  return over;
}

/** Like authenticateSession, but refuses with 401 when there is no session. */
export async function requireSession(
  ctx: AccountsContext,
  cookieHeader: string,
): Promise<AuthenticatedSession> {
  const session = await authenticateSession(ctx, cookieHeader);
  if (session === null) throw new ApiError('UNAUTHENTICATED', 'Sign in to continue');
  return session;
}

export async function requireAdmin(
  ctx: AccountsContext,
  cookieHeader: string,
): Promise<AuthenticatedSession> {
  const session = await requireSession(ctx, cookieHeader);
  if (session.role !== 'admin') throw new ApiError('FORBIDDEN', 'Only administrators can do this');
  return session;
}

/** Marks sessions ended inside the caller's transaction; see `transact` for their connections. */
export function* endSessions(
  ctx: AccountsContext,
  tx: Tx,
  sessionIds: readonly string[],
  reason: 'signed-out' | 'revoked' | 'expired' | 'account-disabled' | 'passkey-removed',
): Write<void> {
  if (sessionIds.length === 0) return;
  yield* changes(
    tx.db
      .updateTable('sessions')
      .set({ ended_at: ctx.now().toISOString(), end_reason: reason })
      .where('id', 'in', sessionIds)
      .where('ended_at', 'is', null),
  );
  tx.afterCommit(() => {
    ctx.onSessionsEnded(sessionIds);
  });
}

export function* liveSessionIds(tx: Tx, accountId: string): Write<string[]> {
  const live = yield* rows(
    tx.db
      .selectFrom('sessions')
      .select('id')
      .where('account_id', '=', accountId)
      .where('ended_at', 'is', null),
  );
  return live.map((row) => row.id);
}

export async function listSessions(
  ctx: AccountsContext,
  current: AuthenticatedSession,
): Promise<SessionView[]> {
  const now = ctx.now().getTime();
  const rows = await ctx.db
    .selectFrom('sessions')
    .select(['id', 'user_agent', 'created_at', 'last_seen_at', 'absolute_expires_at'])
    .where('account_id', '=', current.accountId)
    .where('ended_at', 'is', null)
    .orderBy('last_seen_at', 'desc')
    .execute();
  return rows
    .filter(
      (row) =>
        row.absolute_expires_at > now &&
        now - Date.parse(row.last_seen_at) < ctx.settings.sessionIdleMs,
    )
    .map((row) => ({
      id: row.id,
      current: row.id === current.sessionId,
      device: describeUserAgent(row.user_agent),
      createdAt: row.created_at,
      lastSeenAt: row.last_seen_at,
    }));
}

/** Ends one of the caller's own sessions (the current one included: that is signing out). */
export async function revokeSession(
  ctx: AccountsContext,
  current: AuthenticatedSession,
  sessionId: string,
  client: ClientInfo,
): Promise<void> {
  await transact(ctx, function* (tx) {
    const owned = yield* first(
      tx.db
        .selectFrom('sessions')
        .select('id')
        .where('id', '=', sessionId)
        .where('account_id', '=', current.accountId)
        .where('ended_at', 'is', null),
    );
    if (owned === undefined) throw new ApiError('NOT_FOUND', 'No such active session');
    yield* endSessions(ctx, tx, [sessionId], 'revoked');
    yield* appendSecurityEvent(tx, {
      type: 'session_revoked',
      outcome: 'success',
      actorAccountId: current.accountId,
      target: sessionId,
      client: ctx.clientTag(client.address),
      userAgent: describeUserAgent(client.userAgent),
    });
  });
}

export async function revokeOtherSessions(
  ctx: AccountsContext,
  current: AuthenticatedSession,
  client: ClientInfo,
): Promise<number> {
  return transact(ctx, function* (tx) {
    const others = (yield* liveSessionIds(tx, current.accountId)).filter(
      (id) => id !== current.sessionId,
    );
    yield* endSessions(ctx, tx, others, 'revoked');
    for (const id of others) {
      yield* appendSecurityEvent(tx, {
        type: 'session_revoked',
        outcome: 'success',
        actorAccountId: current.accountId,
        target: id,
        client: ctx.clientTag(client.address),
        userAgent: describeUserAgent(client.userAgent),
      });
    }
    return others.length;
  });
}

export async function signOut(
  ctx: AccountsContext,
  cookieHeader: string,
  client: ClientInfo,
): Promise<void> {
  const session = await authenticateSession(ctx, cookieHeader);
  if (session === null) return;
  await transact(ctx, function* (tx) {
    yield* endSessions(ctx, tx, [session.sessionId], 'signed-out');
    yield* appendSecurityEvent(tx, {
      type: 'session_ended',
      outcome: 'success',
      actorAccountId: session.accountId,
      target: session.sessionId,
      client: ctx.clientTag(client.address),
      userAgent: describeUserAgent(client.userAgent),
    });
  });
}
