import { verifyRegistrationResponse, type RegistrationResponseJSON } from '@simplewebauthn/server';
import type { PasskeysTable } from '../db/schema.js';
import { ApiError } from '../api/ApiError.js';
import type { AccountsContext } from './AccountsContext.js';
import { SUPPORTED_ALGORITHMS } from './ceremonies.js';
import { parsePasskeyName } from './accountInput.js';
import { passkeyProvider } from './passkeyProvider.js';

/**
 * Verifies a registration response and returns the passkey row to store. The library's checks
 * (challenge, origin, RP ID hash, UP and UV flags, algorithm, BS without BE) run first; then the
 * one it leaves to us here: the credential id must not belong to any account yet (§7.1 step 22).
 * Library errors are not passed on: their messages quote challenges and origins.
 */
export async function verifyNewPasskey(
  ctx: AccountsContext,
  input: {
    response: RegistrationResponseJSON;
    challenge: string;
    rpId: string;
    accountId: string;
    name: unknown;
  },
): Promise<PasskeysTable> {
  let verification;
  try {
    verification = await verifyRegistrationResponse({
      response: input.response,
      expectedChallenge: input.challenge,
      expectedOrigin: [...ctx.settings.origins()],
      expectedRPID: input.rpId,
      requireUserPresence: true,
      requireUserVerification: true,
      supportedAlgorithmIDs: SUPPORTED_ALGORITHMS,
    });
  } catch (error) {
    ctx.log.info(
      { reason: error instanceof Error ? error.name : 'unknown' },
      'passkey registration refused',
    );
    throw new ApiError('CEREMONY_FAILED', 'The passkey could not be verified');
  }
  if (!verification.verified) {
    throw new ApiError('CEREMONY_FAILED', 'The passkey could not be verified');
  }
  const info = verification.registrationInfo;
  const taken = await ctx.db
    .selectFrom('passkeys')
    .select('id')
    .where('id', '=', info.credential.id)
    .executeTakeFirst();
  if (taken !== undefined) {
    throw new ApiError('CONFLICT', 'This passkey is already registered');
  }
  const now = ctx.now().toISOString();
  const name =
    input.name === undefined || input.name === null || input.name === ''
      ? (passkeyProvider(info.aaguid) ?? 'Passkey')
      : parsePasskeyName(input.name);
  return {
    id: info.credential.id,
    account_id: input.accountId,
    public_key: info.credential.publicKey,
    counter: info.credential.counter,
    transports: JSON.stringify(input.response.response.transports ?? []),
    aaguid: info.aaguid,
    backup_eligible: info.credentialDeviceType === 'multiDevice' ? 1 : 0,
    backed_up: info.credentialBackedUp ? 1 : 0,
    name,
    created_at: now,
    last_used_at: null,
  };
}
