import {
  INVITE_FRAGMENT_KEY,
  type CreatedInviteResponse,
  type InviteInspectResponse,
  type InviteView,
  type Role,
} from '@vaultroom/shared';
import * as v from 'valibot';
import { appendSecurityEvent } from '../audit/recordSecurityEvent.js';
import type { InvitesTable } from '../db/schema.js';
import { ApiError } from '../api/ApiError.js';
import type { AccountsContext, ClientInfo } from './AccountsContext.js';
import { describeUserAgent } from './describeUserAgent.js';
import { hashSecret, newSecret, randomId } from './secrets.js';
import type { Actor } from './AccountsContext.js';
import { transact, type Tx } from './transact.js';
import { changes, first, type Write } from '../db/WriteStore.js';

const HOUR_MS = 3_600_000;
/** A recovery invite lets someone take over an account: it must be used quickly. */
const RECOVERY_INVITE_HOURS = 24;
const FIRST_ADMIN_INVITE_HOURS = 24;

const createInviteSchema = v.object({
  role: v.picklist(['admin', 'member']),
  maxUses: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(100)),
  expiresInHours: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(24 * 30)),
});

type InviteRow = InvitesTable;

function inviteLink(ctx: AccountsContext, token: string): string {
  return `${ctx.settings.publicOrigin()}/join#${INVITE_FRAGMENT_KEY}=${token}`;
}

async function toView(ctx: AccountsContext, row: InviteRow): Promise<InviteView> {
  let forHandle: string | null = null;
  if (row.account_id !== null) {
    const account = await ctx.db
      .selectFrom('accounts')
      .select('handle')
      .where('id', '=', row.account_id)
      .executeTakeFirst();
    forHandle = account?.handle ?? null;
  }
  return {
    id: row.id,
    kind: row.kind,
    role: row.role,
    maxUses: row.max_uses,
    uses: row.uses,
    createdAt: row.created_at,
    expiresAt: new Date(row.expires_at).toISOString(),
    revokedAt: row.revoked_at,
    forHandle,
  };
}

/** An invite that can still be used, found by its token; null for anything else. */
export async function findUsableInvite(
  ctx: AccountsContext,
  token: unknown,
): Promise<InviteRow | null> {
  if (typeof token !== 'string' || !/^[A-Za-z0-9_-]{43}$/.test(token)) return null;
  const row = await ctx.db
    .selectFrom('invites')
    .selectAll()
    .where('token_hash', '=', hashSecret(token))
    .executeTakeFirst();
  if (row === undefined) return null;
  const usable =
    row.revoked_at === null && row.expires_at > ctx.now().getTime() && row.uses < row.max_uses;
  return usable ? row : null;
}

/**
 * Counts one use of an invite inside the caller's transaction. The conditions are re-checked in
 * the UPDATE itself, so two registrations racing for the last use cannot both win.
 */
export function* redeemInvite(ctx: AccountsContext, tx: Tx, inviteId: string): Write<void> {
  const result = yield* changes(
    tx.db
      .updateTable('invites')
      .set((eb) => ({ uses: eb('uses', '+', 1) }))
      .where('id', '=', inviteId)
      .where('revoked_at', 'is', null)
      .where('expires_at', '>', ctx.now().getTime())
      .whereRef('uses', '<', 'max_uses'),
  );
  if (result !== 1) {
    throw new ApiError('INVITE_INVALID', 'This invite has expired, was revoked or is used up');
  }
}

function* insertInvite(
  ctx: AccountsContext,
  tx: Tx,
  fields: Pick<InviteRow, 'kind' | 'role' | 'account_id' | 'created_by' | 'max_uses'> & {
    hours: number;
  },
): Write<{ row: InviteRow; token: string }> {
  const { token, hash } = newSecret();
  const now = ctx.now();
  const row: InviteRow = {
    id: randomId(),
    token_hash: hash,
    kind: fields.kind,
    role: fields.role,
    account_id: fields.account_id,
    created_by: fields.created_by,
    max_uses: fields.max_uses,
    uses: 0,
    created_at: now.toISOString(),
    expires_at: now.getTime() + fields.hours * HOUR_MS,
    revoked_at: null,
  };
  yield* changes(tx.db.insertInto('invites').values(row));
  return { row, token };
}

export async function createInvite(
  ctx: AccountsContext,
  admin: Actor,
  body: unknown,
  client: ClientInfo,
): Promise<CreatedInviteResponse> {
  const parsed = v.safeParse(createInviteSchema, body);
  if (!parsed.success) {
    throw new ApiError(
      'BAD_REQUEST',
      'An invite needs a role (admin or member), 1 to 100 uses and 1 to 720 hours of validity',
    );
  }
  const { role, maxUses, expiresInHours } = parsed.output;
  const { row, token } = await transact(ctx, function* (tx) {
    const created = yield* insertInvite(ctx, tx, {
      kind: 'register',
      role,
      account_id: null,
      created_by: admin.accountId,
      max_uses: maxUses,
      hours: expiresInHours,
    });
    yield* appendSecurityEvent(tx, {
      type: 'invite_created',
      outcome: 'success',
      actorAccountId: admin.accountId,
      target: created.row.id,
      client: ctx.clientTag(client.address),
      userAgent: describeUserAgent(client.userAgent),
      details: { kind: 'register', role, maxUses, expiresInHours },
    });
    return created;
  });
  return { invite: await toView(ctx, row), link: inviteLink(ctx, token) };
}

export async function createRecoveryInvite(
  ctx: AccountsContext,
  admin: Actor,
  accountId: string,
  client: ClientInfo,
): Promise<CreatedInviteResponse> {
  const { row, token } = await transact(ctx, function* (tx) {
    const account = yield* first(
      tx.db.selectFrom('accounts').select(['id', 'role']).where('id', '=', accountId),
    );
    if (account === undefined) throw new ApiError('NOT_FOUND', 'No such user');
    const created = yield* insertInvite(ctx, tx, {
      kind: 'recovery',
      role: account.role,
      account_id: account.id,
      created_by: admin.accountId,
      max_uses: 1,
      hours: RECOVERY_INVITE_HOURS,
    });
    yield* appendSecurityEvent(tx, {
      type: 'invite_created',
      outcome: 'success',
      actorAccountId: admin.accountId,
      target: created.row.id,
      client: ctx.clientTag(client.address),
      userAgent: describeUserAgent(client.userAgent),
      details: { kind: 'recovery', forAccount: account.id },
    });
    return created;
  });
  return { invite: await toView(ctx, row), link: inviteLink(ctx, token) };
}

export async function listInvites(ctx: AccountsContext): Promise<InviteView[]> {
  const rows = await ctx.db
    .selectFrom('invites')
    .selectAll()
    .orderBy('created_at', 'desc')
    .limit(200)
    .execute();
  return Promise.all(rows.map((row) => toView(ctx, row)));
}

export async function revokeInvite(
  ctx: AccountsContext,
  admin: Actor,
  inviteId: string,
  client: ClientInfo,
): Promise<void> {
  await transact(ctx, function* (tx) {
    const result = yield* changes(
      tx.db
        .updateTable('invites')
        .set({ revoked_at: ctx.now().toISOString() })
        .where('id', '=', inviteId)
        .where('revoked_at', 'is', null),
    );
    if (result !== 1) throw new ApiError('NOT_FOUND', 'No such active invite');
    yield* appendSecurityEvent(tx, {
      type: 'invite_revoked',
      outcome: 'success',
      actorAccountId: admin.accountId,
      target: inviteId,
      client: ctx.clientTag(client.address),
      userAgent: describeUserAgent(client.userAgent),
    });
  });
}

/** What the join page shows before the user makes a passkey; reveals nothing without the token. */
export async function inspectInvite(
  ctx: AccountsContext,
  body: unknown,
): Promise<InviteInspectResponse> {
  const token =
    typeof body === 'object' && body !== null ? (body as { invite?: unknown }).invite : undefined;
  const row = await findUsableInvite(ctx, token);
  if (row === null) {
    throw new ApiError('INVITE_INVALID', 'This invite has expired, was revoked or is used up');
  }
  const view = await toView(ctx, row);
  return { kind: row.kind, role: row.role, forHandle: view.forHandle, expiresAt: view.expiresAt };
}

/**
 * While the relay has no account, each start issues a fresh one-time admin invite (and revokes
 * earlier unused ones, whose tokens nobody can read back) so the operator can create the first
 * account. Returns the link to print, or null once an account exists.
 */
export async function ensureFirstAdminInvite(ctx: AccountsContext): Promise<string | null> {
  return transact(ctx, function* (tx) {
    const anyAccount = yield* first(tx.db.selectFrom('accounts').select('id').limit(1));
    if (anyAccount !== undefined) return null;
    yield* changes(
      tx.db
        .updateTable('invites')
        .set({ revoked_at: ctx.now().toISOString() })
        .where('created_by', 'is', null)
        .where('kind', '=', 'register')
        .where('revoked_at', 'is', null)
        .where('uses', '=', 0),
    );
    const role: Role = 'admin';
    const { row, token } = yield* insertInvite(ctx, tx, {
      kind: 'register',
      role,
      account_id: null,
      created_by: null,
      max_uses: 1,
      hours: FIRST_ADMIN_INVITE_HOURS,
    });
    yield* appendSecurityEvent(tx, {
      type: 'invite_created',
      outcome: 'success',
      target: row.id,
      details: { kind: 'register', role, firstAdmin: true },
    });
    return inviteLink(ctx, token);
  });
}
