import type { AccountView, UserView } from '@vaultroom/shared';
import { sql } from 'kysely';
import { appendSecurityEvent } from '../audit/recordSecurityEvent.js';
import { ApiError } from '../api/ApiError.js';
import type { AccountsContext, ClientInfo } from './AccountsContext.js';
import { describeUserAgent } from './describeUserAgent.js';
import { endSessions, liveSessionIds, type AuthenticatedSession } from './sessions.js';
import type { Actor } from './AccountsContext.js';
import { transact } from './transact.js';
import { accountView } from './views.js';
import { changes, first } from '../db/WriteStore.js';

export async function getAccount(
  ctx: AccountsContext,
  session: AuthenticatedSession,
): Promise<AccountView> {
  const row = await ctx.db
    .selectFrom('accounts')
    .selectAll()
    .where('id', '=', session.accountId)
    .executeTakeFirstOrThrow();
  return accountView(row);
}

export async function listUsers(ctx: AccountsContext): Promise<UserView[]> {
  const rows = await ctx.db
    .selectFrom('accounts')
    .leftJoin('passkeys', 'passkeys.account_id', 'accounts.id')
    .select([
      'accounts.id',
      'accounts.handle',
      'accounts.display_name',
      'accounts.role',
      'accounts.status',
      'accounts.created_at',
      sql<number>`count(passkeys.id)`.as('passkey_count'),
      sql<string | null>`max(passkeys.last_used_at)`.as('last_sign_in_at'),
    ])
    .groupBy('accounts.id')
    .orderBy('accounts.handle_key')
    .execute();
  return rows.map((row) => ({
    id: row.id,
    handle: row.handle,
    displayName: row.display_name,
    role: row.role,
    status: row.status,
    createdAt: row.created_at,
    passkeyCount: row.passkey_count,
    lastSignInAt: row.last_sign_in_at,
  }));
}

async function findUser(ctx: AccountsContext, accountId: string): Promise<UserView> {
  const user = (await listUsers(ctx)).find((candidate) => candidate.id === accountId);
  if (user === undefined) throw new ApiError('NOT_FOUND', 'No such user');
  return user;
}

/** Admins act on others; acting on oneself would let the last admin lock everyone out. */
function refuseSelf(admin: Actor, accountId: string, what: string): void {
  if (admin.accountId === accountId)
    throw new ApiError('CONFLICT', `You cannot ${what} your own account`);
}

export async function setUserStatus(
  ctx: AccountsContext,
  admin: Actor,
  accountId: string,
  status: 'active' | 'disabled',
  client: ClientInfo,
): Promise<UserView> {
  refuseSelf(admin, accountId, status === 'disabled' ? 'disable' : 'enable');
  await transact(ctx, function* (tx) {
    const result = yield* changes(
      tx.db.updateTable('accounts').set({ status }).where('id', '=', accountId),
    );
    if (result !== 1) throw new ApiError('NOT_FOUND', 'No such user');
    // A disabled account's sessions end now, and its open connections close with them.
    if (status === 'disabled') {
      yield* endSessions(ctx, tx, yield* liveSessionIds(tx, accountId), 'account-disabled');
    }
    yield* appendSecurityEvent(tx, {
      type: status === 'disabled' ? 'user_disabled' : 'user_enabled',
      outcome: 'success',
      actorAccountId: admin.accountId,
      target: accountId,
      client: ctx.clientTag(client.address),
      userAgent: describeUserAgent(client.userAgent),
    });
  });
  return findUser(ctx, accountId);
}

export async function deleteUser(
  ctx: AccountsContext,
  admin: Actor,
  accountId: string,
  client: ClientInfo,
): Promise<void> {
  refuseSelf(admin, accountId, 'delete');
  await transact(ctx, function* (tx) {
    const sessions = yield* liveSessionIds(tx, accountId);
    yield* endSessions(ctx, tx, sessions, 'account-disabled');
    const result = yield* changes(tx.db.deleteFrom('accounts').where('id', '=', accountId));
    if (result !== 1) throw new ApiError('NOT_FOUND', 'No such user');
    yield* appendSecurityEvent(tx, {
      type: 'user_deleted',
      outcome: 'success',
      actorAccountId: admin.accountId,
      target: accountId,
      client: ctx.clientTag(client.address),
      userAgent: describeUserAgent(client.userAgent),
    });
  });
}

/** Makes a user an admin or a member. Admins cannot change their own role (no last-admin lockout). */
export async function setUserRole(
  ctx: AccountsContext,
  admin: Actor,
  accountId: string,
  role: unknown,
  client: ClientInfo,
): Promise<UserView> {
  if (role !== 'admin' && role !== 'member') {
    throw new ApiError('BAD_REQUEST', 'A role is admin or member');
  }
  refuseSelf(admin, accountId, 'change the role of');
  await transact(ctx, function* (tx) {
    const before = yield* first(
      tx.db.selectFrom('accounts').select('role').where('id', '=', accountId),
    );
    if (before === undefined) throw new ApiError('NOT_FOUND', 'No such user');
    if (before.role === role) return;
    yield* changes(tx.db.updateTable('accounts').set({ role }).where('id', '=', accountId));
    yield* appendSecurityEvent(tx, {
      type: 'user_role_changed',
      outcome: 'success',
      actorAccountId: admin.accountId,
      target: accountId,
      client: ctx.clientTag(client.address),
      userAgent: describeUserAgent(client.userAgent),
      details: { from: before.role, to: role },
    });
  });
  return findUser(ctx, accountId);
}
