import type { CeremonyOptions, PasskeyView } from '@vaultroom/shared';
import * as v from 'valibot';
import { appendSecurityEvent } from '../audit/recordSecurityEvent.js';
import { ApiError } from '../api/ApiError.js';
import type { AccountsContext, ClientInfo } from './AccountsContext.js';
import { parsePasskeyName } from './accountInput.js';
import { consumeChallenge, parseRegistrationResponse, storeChallenge } from './ceremonies.js';
import { describeUserAgent } from './describeUserAgent.js';
import { passkeyCreationOptions } from './passkeyCreationOptions.js';
import { endSessions, type AuthenticatedSession } from './sessions.js';
import { requireRecentVerification } from './stepUp.js';
import { transact } from './transact.js';
import { verifyNewPasskey } from './verifyNewPasskey.js';
import { passkeyView } from './views.js';
import { contextString, rpIdFor } from './webauthnRp.js';
import { changes, firstOrThrow, rows } from '../db/WriteStore.js';

export async function listPasskeys(
  ctx: AccountsContext,
  session: AuthenticatedSession,
): Promise<PasskeyView[]> {
  const rows = await ctx.db
    .selectFrom('passkeys')
    .selectAll()
    .where('account_id', '=', session.accountId)
    .orderBy('created_at')
    .execute();
  return rows.map(passkeyView);
}

/**
 * Creation options for another passkey on the signed-in account; its existing ones are excluded.
 * Needs a recent user verification, checked here already so that the browser is not asked to
 * make a passkey the relay would then refuse.
 */
export async function beginAddPasskey(
  ctx: AccountsContext,
  session: AuthenticatedSession,
  origin: string,
): Promise<CeremonyOptions> {
  requireRecentVerification(ctx, session);
  const account = await ctx.db
    .selectFrom('accounts')
    .select(['handle', 'display_name', 'webauthn_user_id'])
    .where('id', '=', session.accountId)
    .executeTakeFirstOrThrow();
  const existing = await ctx.db
    .selectFrom('passkeys')
    .select(['id', 'transports'])
    .where('account_id', '=', session.accountId)
    .execute();
  const rpId = rpIdFor(ctx, origin);
  const options = await passkeyCreationOptions(ctx, rpId, {
    handle: account.handle,
    displayName: account.display_name,
    userId: account.webauthn_user_id,
    existing,
  });
  const ceremonyId = await storeChallenge(ctx, 'add-passkey', options.challenge, {
    accountId: session.accountId,
    rpId,
  });
  return { ceremonyId, options };
}

const finishSchema = v.object({
  ceremonyId: v.string(),
  response: v.unknown(),
  passkeyName: v.optional(v.unknown()),
});

export async function finishAddPasskey(
  ctx: AccountsContext,
  session: AuthenticatedSession,
  body: unknown,
  client: ClientInfo,
): Promise<PasskeyView> {
  const parsed = v.safeParse(finishSchema, body);
  if (!parsed.success)
    throw new ApiError('BAD_REQUEST', 'Send the ceremony id and the passkey response');
  // Before the challenge is taken: after a step-up, the same response can be posted again.
  requireRecentVerification(ctx, session);
  const { challenge, context } = await consumeChallenge(
    ctx,
    parsed.output.ceremonyId,
    'add-passkey',
  );
  // A ceremony started by one account cannot be finished by another.
  if (contextString(context, 'accountId') !== session.accountId) {
    throw new ApiError('CEREMONY_FAILED', 'This passkey ceremony belongs to another session');
  }
  const passkey = await verifyNewPasskey(ctx, {
    response: parseRegistrationResponse(parsed.output.response),
    challenge,
    rpId: contextString(context, 'rpId'),
    accountId: session.accountId,
    name: parsed.output.passkeyName,
  });
  await transact(ctx, function* (tx) {
    yield* changes(tx.db.insertInto('passkeys').values(passkey));
    yield* appendSecurityEvent(tx, {
      type: 'authn_passkey_added',
      outcome: 'success',
      actorAccountId: session.accountId,
      target: passkey.id,
      client: ctx.clientTag(client.address),
      userAgent: describeUserAgent(client.userAgent),
    });
  });
  return passkeyView(passkey);
}

export async function renamePasskey(
  ctx: AccountsContext,
  session: AuthenticatedSession,
  passkeyId: string,
  body: unknown,
  client: ClientInfo,
): Promise<PasskeyView> {
  const name = parsePasskeyName(
    typeof body === 'object' && body !== null ? (body as { name?: unknown }).name : undefined,
  );
  return transact(ctx, function* (tx) {
    const result = yield* changes(
      tx.db
        .updateTable('passkeys')
        .set({ name })
        .where('id', '=', passkeyId)
        .where('account_id', '=', session.accountId),
    );
    if (result !== 1) throw new ApiError('NOT_FOUND', 'No such passkey');
    yield* appendSecurityEvent(tx, {
      type: 'authn_passkey_renamed',
      outcome: 'success',
      actorAccountId: session.accountId,
      target: passkeyId,
      client: ctx.clientTag(client.address),
      userAgent: describeUserAgent(client.userAgent),
    });
    const row = yield* firstOrThrow(
      tx.db.selectFrom('passkeys').selectAll().where('id', '=', passkeyId),
    );
    return passkeyView(row);
  });
}

/**
 * Removes a passkey, never the last one (that would lock the account out), with the account key
 * sealed under it, and ends the other sessions it signed in: a passkey is usually removed
 * because its device was lost. Needs a recent user verification.
 */
export async function removePasskey(
  ctx: AccountsContext,
  session: AuthenticatedSession,
  passkeyId: string,
  client: ClientInfo,
): Promise<void> {
  requireRecentVerification(ctx, session);
  await transact(ctx, function* (tx) {
    const owned = yield* rows(
      tx.db.selectFrom('passkeys').select('id').where('account_id', '=', session.accountId),
    );
    if (!owned.some((row) => row.id === passkeyId))
      throw new ApiError('NOT_FOUND', 'No such passkey');
    if (owned.length < 2) {
      throw new ApiError('CONFLICT', 'This is your only passkey: add another before removing it');
    }
    const sessions = yield* rows(
      tx.db
        .selectFrom('sessions')
        .select('id')
        .where('passkey_id', '=', passkeyId)
        .where('ended_at', 'is', null)
        .where('id', '!=', session.sessionId),
    );
    yield* endSessions(
      ctx,
      tx,
      sessions.map((row) => row.id),
      'passkey-removed',
    );
    yield* changes(tx.db.deleteFrom('sealed_account_keys').where('credential_id', '=', passkeyId));
    yield* changes(tx.db.deleteFrom('passkeys').where('id', '=', passkeyId));
    yield* appendSecurityEvent(tx, {
      type: 'authn_passkey_removed',
      outcome: 'success',
      actorAccountId: session.accountId,
      target: passkeyId,
      client: ctx.clientTag(client.address),
      userAgent: describeUserAgent(client.userAgent),
      details: { sessionsEnded: sessions.length },
    });
  });
}
