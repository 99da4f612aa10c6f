import { generateAuthenticationOptions } from '@simplewebauthn/server';
import {
  STEP_UP_MAX_AGE_MS,
  type CeremonyOptions,
  type SessionVerifiedResponse,
} from '@vaultroom/shared';
import * as v from 'valibot';
import { recordSecurityEvent } from '../audit/recordSecurityEvent.js';
import { ApiError } from '../api/ApiError.js';
import type { AccountsContext, ClientInfo } from './AccountsContext.js';
import { consumeChallenge, parseAuthenticationResponse, storeChallenge } from './ceremonies.js';
import { describeUserAgent } from './describeUserAgent.js';
import { isRecentlyVerified } from './isRecentlyVerified.js';
import type { AuthenticatedSession } from './sessions.js';
import { recordPasskeyUse, verifyPasskeyAssertion } from './verifyPasskeyAssertion.js';
import { contextString, rpIdFor } from './webauthnRp.js';
import { changes } from '../db/WriteStore.js';

/**
 * Refuses (403 REAUTH_REQUIRED) an action that changes the account's passkeys or devices, or lets
 * someone else in, unless the session verified its user with a passkey in the last five minutes:
 * a stolen session cookie, or a browser left signed in, is not enough for those (§2.9).
 */
export function requireRecentVerification(
  ctx: AccountsContext,
  session: AuthenticatedSession,
): void {
  if (!isRecentlyVerified(session.verifiedAt, ctx.now().getTime())) {
    throw new ApiError('REAUTH_REQUIRED', 'Confirm with your passkey to continue');
  }
}

/**
 * Request options for a step-up assertion: one of the account's own passkeys, with user
 * verification. The challenge is bound to this session: another session cannot finish it.
 */
export async function beginStepUp(
  ctx: AccountsContext,
  session: AuthenticatedSession,
  origin: string,
): Promise<CeremonyOptions> {
  const passkeys = await ctx.db
    .selectFrom('passkeys')
    .select(['id', 'transports'])
    .where('account_id', '=', session.accountId)
    .execute();
  const rpId = rpIdFor(ctx, origin);
  const options = await generateAuthenticationOptions({
    rpID: rpId,
    userVerification: 'required',
    allowCredentials: passkeys.map((row) => ({
      id: row.id,
      transports: JSON.parse(row.transports) as string[],
    })),
    timeout: ctx.settings.challengeTtlMs,
  });
  const ceremonyId = await storeChallenge(ctx, 'step-up', options.challenge, {
    sessionId: session.sessionId,
    rpId,
  });
  return { ceremonyId, options };
}

const finishSchema = v.object({ ceremonyId: v.string(), response: v.unknown() });
const STEP_UP_FAILED = 'This passkey could not confirm it is you';

/**
 * Verifies a step-up assertion and marks the session verified now. The checks are sign-in's
 * (finishSignIn): a passkey of this session's account, its user handle, UV, the backup-eligible
 * flag unchanged, and the counter moved by compare-and-swap; the challenge is single-use (taken
 * on every attempt) and must have been issued to this session.
 */
export async function finishStepUp(
  ctx: AccountsContext,
  session: AuthenticatedSession,
  body: unknown,
  client: ClientInfo,
): Promise<SessionVerifiedResponse> {
  const parsed = v.safeParse(finishSchema, body);
  if (!parsed.success)
    throw new ApiError('BAD_REQUEST', 'Send the ceremony id and the passkey response');
  const { challenge, context } = await consumeChallenge(ctx, parsed.output.ceremonyId, 'step-up');
  const fail = async (reason: string) => {
    ctx.accountLimiter.take(session.accountId);
    await recordSecurityEvent(ctx.writes, {
      type: 'authn_login_fail',
      outcome: 'failure',
      actorAccountId: session.accountId,
      client: ctx.clientTag(client.address),
      userAgent: describeUserAgent(client.userAgent),
      details: { reason, stepUp: true },
    });
    return new ApiError('CEREMONY_FAILED', STEP_UP_FAILED);
  };
  if (contextString(context, 'sessionId') !== session.sessionId) throw await fail('other-session');
  const limit = ctx.accountLimiter.check(session.accountId);
  if (!limit.allowed) {
    throw new ApiError('RATE_LIMITED', 'Too many attempts: wait a moment', limit.retryAfterSeconds);
  }
  const response = parseAuthenticationResponse(parsed.output.response);
  const passkey = await ctx.db
    .selectFrom('passkeys')
    .innerJoin('accounts', 'accounts.id', 'passkeys.account_id')
    .selectAll('passkeys')
    .select('accounts.webauthn_user_id')
    .where('passkeys.id', '=', response.id)
    .where('passkeys.account_id', '=', session.accountId)
    .executeTakeFirst();
  if (passkey === undefined) throw await fail('unknown-credential');
  const userHandle = response.response.userHandle;
  if (
    userHandle !== undefined &&
    !Buffer.from(passkey.webauthn_user_id).equals(Buffer.from(userHandle, 'base64url'))
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
      ceremony: 'step-up',
    },
    fail,
  );
  const now = ctx.now();
  const verified = await ctx.writes.write(function* (tx) {
    if (!(yield* recordPasskeyUse(tx, passkey, info, now))) return false;
    yield* changes(
      tx.db
        .updateTable('sessions')
        .set({ verified_at: now.getTime() })
        .where('id', '=', session.sessionId)
        .where('ended_at', 'is', null),
    );
    return true;
  });
  if (!verified) throw await fail('counter-race');
  return { verifiedUntil: new Date(now.getTime() + STEP_UP_MAX_AGE_MS).toISOString() };
}
