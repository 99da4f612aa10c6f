import {
  verifyAuthenticationResponse,
  type AuthenticationResponseJSON,
} from '@simplewebauthn/server';
import { changes, type Write, type WriteTx } from '../db/WriteStore.js';
import type { AccountsContext } from './AccountsContext.js';

/** The stored passkey an assertion must come from. */
export interface StoredPasskey {
  readonly id: string;
  readonly public_key: Uint8Array;
  readonly counter: number;
  readonly transports: string;
  readonly backup_eligible: number;
}

/** What a verified assertion changes on the stored passkey. */
export interface AssertionInfo {
  readonly newCounter: number;
  readonly credentialBackedUp: boolean;
}

/**
 * Checks a passkey assertion (sign-in or step-up) with user verification required: signature,
 * challenge, origin, RP ID, and that the passkey's backup eligibility did not change (a flag
 * that cannot change for one credential). `fail` makes the refusal, recorded as its caller's.
 */
export async function verifyPasskeyAssertion(
  ctx: AccountsContext,
  request: {
    readonly response: AuthenticationResponseJSON;
    readonly challenge: string;
    readonly rpId: string;
    readonly passkey: StoredPasskey;
    /** For the log line of a refusal the library threw on: `sign-in`, `step-up`. */
    readonly ceremony: string;
  },
  fail: (reason: string) => Promise<Error>,
): Promise<AssertionInfo> {
  const { passkey } = request;
  let verification;
  try {
    verification = await verifyAuthenticationResponse({
      response: request.response,
      expectedChallenge: request.challenge,
      expectedOrigin: [...ctx.settings.origins()],
      expectedRPID: request.rpId,
      credential: {
        id: passkey.id,
        publicKey: Uint8Array.from(passkey.public_key),
        counter: passkey.counter,
        transports: JSON.parse(passkey.transports) as string[],
      },
      requireUserVerification: true,
    });
  } catch (error) {
    const reason = error instanceof Error ? error.name : 'unknown';
    ctx.log.info({ reason }, `${request.ceremony} refused`);
    throw await fail('verification');
  }
  if (!verification.verified) throw await fail('signature');
  const info = verification.authenticationInfo;
  const backupEligible = info.credentialDeviceType === 'multiDevice' ? 1 : 0;
  if (backupEligible !== passkey.backup_eligible) throw await fail('backup-eligibility-changed');
  return { newCounter: info.newCounter, credentialBackedUp: info.credentialBackedUp };
}

/**
 * Part of the write that follows a verified assertion: stores the new signature counter and
 * backup state, but only over the counter the assertion was checked against. False when another
 * assertion of the same passkey got there first (a replay, or a cloned authenticator racing).
 */
export function* recordPasskeyUse(
  tx: WriteTx,
  passkey: StoredPasskey,
  info: AssertionInfo,
  at: Date,
): Write<boolean> {
  const swapped = yield* changes(
    tx.db
      .updateTable('passkeys')
      .set({
        counter: info.newCounter,
        backed_up: info.credentialBackedUp ? 1 : 0,
        last_used_at: at.toISOString(),
      })
      .where('id', '=', passkey.id)
      .where('counter', '=', passkey.counter),
  );
  return swapped === 1;
}
