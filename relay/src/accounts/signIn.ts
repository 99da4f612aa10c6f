import { generateAuthenticationOptions } from '@simplewebauthn/server';
import type { CeremonyOptions, SignInNotice, SignedInResponse } from '@vaultroom/shared';
import * as v from 'valibot';
import { appendSecurityEvent, recordSecurityEvent } from '../audit/recordSecurityEvent.js';
import { ApiError } from '../api/ApiError.js';
import type { AccountsContext, ClientInfo } from './AccountsContext.js';
import { consumeChallenge, parseAuthenticationResponse, storeChallenge } from './ceremonies.js';
import { describeUserAgent } from './describeUserAgent.js';
import { authenticateSession, createSession, endSessions } from './sessions.js';
import { transact } from './transact.js';
import { accountView } from './views.js';
import { recordPasskeyUse, verifyPasskeyAssertion } from './verifyPasskeyAssertion.js';
import { contextString, rpIdFor } from './webauthnRp.js';
import { changes, firstOrThrow } from '../db/WriteStore.js';

const finishSchema = v.object({ ceremonyId: v.string(), response: v.unknown() });

/**
 * Options for a usernameless sign-in: no allowCredentials, so the browser offers every passkey it
 * holds for this relay (and can show them in the handle field's autofill).
 */
export async function beginSignIn(ctx: AccountsContext, origin: string): Promise<CeremonyOptions> {
  const rpId = rpIdFor(ctx, origin);
  const options = await generateAuthenticationOptions({
    rpID: rpId,
    userVerification: 'required',
    allowCredentials: [],
    timeout: ctx.settings.challengeTtlMs,
  });
  const ceremonyId = await storeChallenge(ctx, 'sign-in', options.challenge, { rpId });
  return { ceremonyId, options };
}

const SIGN_IN_FAILED = 'This passkey could not sign you in';

/**
 * Verifies an assertion and starts a session. Beyond the library's checks, this enforces what it
 * leaves to the relay: the credential exists and is looked up by its id, the returned user handle
 * belongs to the credential's owner (§7.2 step 6), the backup-eligible flag has not changed
 * (§6.1.3), and the signature counter moves by compare-and-swap so two concurrent uses of a
 * cloned authenticator cannot both succeed.
 */
export async function finishSignIn(
  ctx: AccountsContext,
  body: unknown,
  cookieHeader: string,
  client: ClientInfo,
): Promise<{ response: SignedInResponse; cookie: string }> {
  const parsed = v.safeParse(finishSchema, body);
  if (!parsed.success)
    throw new ApiError('BAD_REQUEST', 'Send the ceremony id and the passkey response');
  const { challenge, context } = await consumeChallenge(ctx, parsed.output.ceremonyId, 'sign-in');
  const clientTag = ctx.clientTag(client.address);
  const userAgent = describeUserAgent(client.userAgent);
  let accountId: string | null = null;

  const fail = async (reason: string, error = new ApiError('CEREMONY_FAILED', SIGN_IN_FAILED)) => {
    if (accountId !== null) ctx.accountLimiter.take(accountId);
    await recordSecurityEvent(ctx.writes, {
      type: 'authn_login_fail',
      outcome: 'failure',
      actorAccountId: accountId,
      client: clientTag,
      userAgent,
      details: { reason },
    });
    return error;
  };

  const response = parseAuthenticationResponse(parsed.output.response);
  const passkey = await ctx.db
    .selectFrom('passkeys')
    .selectAll()
    .where('id', '=', response.id)
    .executeTakeFirst();
  if (passkey === undefined) {
    throw await fail(
      'unknown-credential',
      // Its own code, so the app can suggest removing a passkey this relay no longer knows.
      new ApiError('UNKNOWN_CREDENTIAL', 'This passkey is not registered on this relay'),
    );
  }
  accountId = passkey.account_id;
  const account = await ctx.db
    .selectFrom('accounts')
    .selectAll()
    .where('id', '=', passkey.account_id)
    .executeTakeFirstOrThrow();
  if (account.status !== 'active') {
    throw await fail(
      'account-disabled',
      new ApiError('ACCOUNT_DISABLED', 'This account is disabled'),
    );
  }
  const limit = ctx.accountLimiter.check(account.id);
  if (!limit.allowed) {
    throw new ApiError(
      'RATE_LIMITED',
      'Too many sign-in attempts: wait a moment',
      limit.retryAfterSeconds,
    );
  }
  const userHandle = response.response.userHandle;
  if (
    userHandle === undefined ||
    !Buffer.from(account.webauthn_user_id).equals(Buffer.from(userHandle, 'base64url'))
  ) {
    throw await fail('user-handle-mismatch');
  }

  const info = await verifyPasskeyAssertion(
    ctx,
    {
      response,
      challenge,
      rpId: contextString(context, 'rpId'),
      passkey,
      ceremony: 'sign-in',
    },
    fail,
  );

  const previous = await authenticateSession(ctx, cookieHeader);
  return transact(ctx, function* (tx) {
    if (!(yield* recordPasskeyUse(tx, passkey, info, ctx.now()))) {
      throw new ApiError('CEREMONY_FAILED', SIGN_IN_FAILED);
    }
    if (previous !== null) yield* endSessions(ctx, tx, [previous.sessionId], 'signed-out');
    const cookie = yield* createSession(ctx, tx, account.id, passkey.id, client);
    yield* appendSecurityEvent(tx, {
      type: 'authn_login_success',
      outcome: 'success',
      actorAccountId: account.id,
      target: passkey.id,
      client: clientTag,
      userAgent,
    });
    const notices: SignInNotice[] = [];
    if (account.recovery_notice_at !== null) {
      notices.push({ kind: 'recovery-used', at: account.recovery_notice_at });
      // Only a passkey older than the recovery clears the notice: whoever used the recovery link
      // cannot hide it from the owner by signing in again with the passkey it made.
      if (passkey.created_at < account.recovery_notice_at) {
        yield* changes(
          tx.db
            .updateTable('accounts')
            .set({ recovery_notice_at: null })
            .where('id', '=', account.id),
        );
      }
    }
    const count = yield* firstOrThrow(
      tx.db
        .selectFrom('passkeys')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('account_id', '=', account.id),
    );
    if (count.n < 2) notices.push({ kind: 'single-passkey' });
    return { cookie, response: { account: accountView(account), notices } };
  }).catch(async (error: unknown) => {
    if (error instanceof ApiError && error.code === 'CEREMONY_FAILED')
      throw await fail('counter-race');
    throw error;
  });
}
