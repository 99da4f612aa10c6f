import { randomBytes } from 'node:crypto';
import {
  handleKey,
  type CeremonyOptions,
  type Role,
  type SignedInResponse,
} from '@vaultroom/shared';
import * as v from 'valibot';
import { appendSecurityEvent, recordSecurityEvent } from '../audit/recordSecurityEvent.js';
import { ApiError } from '../api/ApiError.js';
import type { AccountsContext, ClientInfo } from './AccountsContext.js';
import { parseDisplayName, parseHandle } from './accountInput.js';
import { consumeChallenge, parseRegistrationResponse, storeChallenge } from './ceremonies.js';
import { describeUserAgent } from './describeUserAgent.js';
import { findUsableInvite, redeemInvite } from './invites.js';
import { passkeyCreationOptions } from './passkeyCreationOptions.js';
import { randomId } from './secrets.js';
import { authenticateSession, createSession, endSessions } from './sessions.js';
import { transact } from './transact.js';
import { verifyNewPasskey } from './verifyNewPasskey.js';
import { accountView } from './views.js';
import { contextString, rpIdFor } from './webauthnRp.js';
import { changes, first, firstOrThrow } from '../db/WriteStore.js';

const beginSchema = v.object({
  invite: v.optional(v.string()),
  handle: v.optional(v.unknown()),
  displayName: v.optional(v.unknown()),
});

const finishSchema = v.object({
  ceremonyId: v.string(),
  response: v.unknown(),
  passkeyName: v.optional(v.unknown()),
});

/**
 * First step of signing up (or of recovering an account with a recovery invite): checks the
 * invite and the handle, and returns WebAuthn creation options for a resident, user-verified
 * passkey. Nothing is written but the challenge.
 */
export async function beginRegistration(
  ctx: AccountsContext,
  body: unknown,
  origin: string,
): Promise<CeremonyOptions> {
  const parsed = v.safeParse(beginSchema, body);
  if (!parsed.success)
    throw new ApiError('BAD_REQUEST', 'Send an invite, a handle and a display name');
  const { invite: token } = parsed.output;
  const invite = token === undefined ? null : await findUsableInvite(ctx, token);
  if (token !== undefined && invite === null) {
    throw new ApiError('INVITE_INVALID', 'This invite has expired, was revoked or is used up');
  }
  if (invite === null && ctx.settings.registrationMode !== 'open') {
    throw new ApiError('INVITE_INVALID', 'This relay accepts new accounts by invitation only');
  }
  const rpId = rpIdFor(ctx, origin);

  if (invite?.kind === 'recovery' && invite.account_id !== null) {
    const account = await ctx.db
      .selectFrom('accounts')
      .select(['id', 'handle', 'display_name', 'webauthn_user_id'])
      .where('id', '=', invite.account_id)
      .executeTakeFirstOrThrow();
    const existing = await ctx.db
      .selectFrom('passkeys')
      .select(['id', 'transports'])
      .where('account_id', '=', account.id)
      .execute();
    const options = await passkeyCreationOptions(ctx, rpId, {
      handle: account.handle,
      displayName: account.display_name,
      userId: account.webauthn_user_id,
      existing,
    });
    const ceremonyId = await storeChallenge(ctx, 'registration', options.challenge, {
      kind: 'recovery',
      inviteId: invite.id,
      accountId: account.id,
      rpId,
    });
    return { ceremonyId, options };
  }

  const { handle, key } = parseHandle(parsed.output.handle);
  const displayName = parseDisplayName(parsed.output.displayName);
  const taken = await ctx.db
    .selectFrom('accounts')
    .select('id')
    .where('handle_key', '=', key)
    .executeTakeFirst();
  if (taken !== undefined) throw new ApiError('CONFLICT', `The handle ${handle} is taken`);
  const userId = randomBytes(32);
  const options = await passkeyCreationOptions(ctx, rpId, {
    handle,
    displayName,
    userId,
    existing: [],
  });
  const ceremonyId = await storeChallenge(ctx, 'registration', options.challenge, {
    kind: 'register',
    inviteId: invite?.id ?? null,
    role: invite?.role ?? 'member',
    handle,
    displayName,
    userId: userId.toString('base64url'),
    rpId,
  });
  return { ceremonyId, options };
}

/**
 * Second step: verifies the new passkey and, in one transaction, uses the invite, creates the
 * account (or adds the passkey to the recovered one), starts a session and records it all.
 */
export async function finishRegistration(
  ctx: AccountsContext,
  body: unknown,
  cookieHeader: string,
  client: ClientInfo,
): Promise<{ response: SignedInResponse; cookie: string }> {
  const parsed = v.safeParse(finishSchema, body);
  if (!parsed.success)
    throw new ApiError('BAD_REQUEST', 'Send the ceremony id and the passkey response');
  const { challenge, context } = await consumeChallenge(
    ctx,
    parsed.output.ceremonyId,
    'registration',
  );
  const clientTag = ctx.clientTag(client.address);
  const userAgent = describeUserAgent(client.userAgent);

  try {
    const response = parseRegistrationResponse(parsed.output.response);
    const isRecovery = context['kind'] === 'recovery';
    const accountId = isRecovery ? contextString(context, 'accountId') : randomId();
    const verified = await verifyNewPasskey(ctx, {
      response,
      challenge,
      rpId: contextString(context, 'rpId'),
      accountId,
      name: parsed.output.passkeyName,
    });
    // Signing up signs in: the new passkey has been used once.
    const passkey = { ...verified, last_used_at: verified.created_at };
    const previous = await authenticateSession(ctx, cookieHeader);

    return await transact(ctx, function* (tx) {
      const now = ctx.now().toISOString();
      const inviteId = context['inviteId'];
      if (typeof inviteId === 'string') yield* redeemInvite(ctx, tx, inviteId);
      if (isRecovery) {
        // The notice time is the recovery passkey's own creation time, so that passkey never
        // counts as older than the recovery (see finishSignIn).
        yield* changes(
          tx.db
            .updateTable('accounts')
            .set({ recovery_notice_at: passkey.created_at })
            .where('id', '=', accountId),
        );
      } else {
        const handle = contextString(context, 'handle');
        const taken = yield* first(
          tx.db.selectFrom('accounts').select('id').where('handle_key', '=', handleKey(handle)),
        );
        if (taken !== undefined) throw new ApiError('CONFLICT', `The handle ${handle} is taken`);
        yield* changes(
          tx.db.insertInto('accounts').values({
            id: accountId,
            handle,
            handle_key: handleKey(handle),
            display_name: contextString(context, 'displayName'),
            role: contextString(context, 'role') as Role,
            status: 'active',
            webauthn_user_id: Buffer.from(contextString(context, 'userId'), 'base64url'),
            created_at: now,
            recovery_notice_at: null,
          }),
        );
        yield* appendSecurityEvent(tx, {
          type: 'user_created',
          outcome: 'success',
          actorAccountId: accountId,
          target: accountId,
          client: clientTag,
          userAgent,
          details: { role: contextString(context, 'role'), byInvite: typeof inviteId === 'string' },
        });
      }
      yield* changes(tx.db.insertInto('passkeys').values(passkey));
      yield* appendSecurityEvent(tx, {
        type: 'authn_passkey_added',
        outcome: 'success',
        actorAccountId: accountId,
        target: passkey.id,
        client: clientTag,
        userAgent,
      });
      if (typeof inviteId === 'string') {
        yield* appendSecurityEvent(tx, {
          type: isRecovery ? 'authn_recovery_used' : 'invite_redeemed',
          outcome: 'success',
          actorAccountId: accountId,
          target: inviteId,
          client: clientTag,
          userAgent,
        });
      }
      // A new sign-in always gets a new token; whatever session this browser had ends.
      if (previous !== null) yield* endSessions(ctx, tx, [previous.sessionId], 'signed-out');
      const cookie = yield* createSession(ctx, tx, accountId, passkey.id, client);
      const account = yield* firstOrThrow(
        tx.db.selectFrom('accounts').selectAll().where('id', '=', accountId),
      );
      const passkeyCount = yield* firstOrThrow(
        tx.db
          .selectFrom('passkeys')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('account_id', '=', accountId),
      );
      return {
        cookie,
        response: {
          account: accountView(account),
          notices: passkeyCount.n < 2 ? [{ kind: 'single-passkey' as const }] : [],
        },
      };
    });
  } catch (error) {
    if (error instanceof ApiError) {
      await recordSecurityEvent(ctx.writes, {
        type: 'registration_fail',
        outcome: 'failure',
        client: clientTag,
        userAgent,
        details: { code: error.code },
      });
    }
    throw error;
  }
}
