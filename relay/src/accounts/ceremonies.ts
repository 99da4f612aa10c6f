import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server';
import * as v from 'valibot';
import { ApiError } from '../api/ApiError.js';
import type { AccountsContext } from './AccountsContext.js';
import { randomId } from './secrets.js';
import { changes, first } from '../db/WriteStore.js';

export type CeremonyPurpose = 'registration' | 'sign-in' | 'add-passkey' | 'step-up';

/** Ed25519, ES256, RS256: what every passkey provider can make, strongest first. */
export const SUPPORTED_ALGORITHMS = [-8, -7, -257];

const base64url = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]+$/), v.maxLength(16_384));

const credentialShape = {
  id: v.pipe(base64url, v.maxLength(1366)), // 1023-byte credential ids (WebAuthn §5.8.3)
  rawId: base64url,
  type: v.literal('public-key'),
  clientExtensionResults: v.record(v.string(), v.unknown()),
  authenticatorAttachment: v.optional(v.picklist(['platform', 'cross-platform'])),
};

const registrationSchema = v.object({
  ...credentialShape,
  response: v.object({
    clientDataJSON: base64url,
    attestationObject: base64url,
    transports: v.optional(v.array(v.pipe(v.string(), v.maxLength(32)))),
    publicKeyAlgorithm: v.optional(v.number()),
    publicKey: v.optional(base64url),
    authenticatorData: v.optional(base64url),
  }),
});

const authenticationSchema = v.object({
  ...credentialShape,
  response: v.object({
    clientDataJSON: base64url,
    authenticatorData: base64url,
    signature: base64url,
    userHandle: v.optional(base64url),
  }),
});

const clientDataSchema = v.object({
  crossOrigin: v.optional(v.boolean()),
  topOrigin: v.optional(v.string()),
});

/**
 * Checks the library leaves to us (it accepts these): a ceremony inside a cross-origin iframe is
 * refused outright, since VaultRoom is never embedded; and a PRF result must never reach the
 * relay, as it is the key that seals the user's local keystore.
 */
function checkClientSide(response: {
  response: { clientDataJSON: string };
  clientExtensionResults: Record<string, unknown>;
}): void {
  const prf = response.clientExtensionResults['prf'];
  if (typeof prf === 'object' && prf !== null && 'results' in prf) {
    throw new ApiError('BAD_REQUEST', 'PRF results must stay on the device and never be sent');
  }
  let clientData: unknown;
  try {
    clientData = JSON.parse(
      Buffer.from(response.response.clientDataJSON, 'base64url').toString('utf8'),
    );
  } catch {
    throw new ApiError('CEREMONY_FAILED', 'The passkey response is malformed');
  }
  const parsed = v.safeParse(clientDataSchema, clientData);
  if (!parsed.success) throw new ApiError('CEREMONY_FAILED', 'The passkey response is malformed');
  if (parsed.output.crossOrigin === true || parsed.output.topOrigin !== undefined) {
    throw new ApiError('CEREMONY_FAILED', 'Passkeys cannot be used from an embedded page');
  }
}

export function parseRegistrationResponse(body: unknown): RegistrationResponseJSON {
  const parsed = v.safeParse(registrationSchema, body);
  if (!parsed.success) throw new ApiError('BAD_REQUEST', 'The passkey response is malformed');
  checkClientSide(parsed.output);
  return parsed.output as RegistrationResponseJSON;
}

export function parseAuthenticationResponse(body: unknown): AuthenticationResponseJSON {
  const parsed = v.safeParse(authenticationSchema, body);
  if (!parsed.success) throw new ApiError('BAD_REQUEST', 'The passkey response is malformed');
  if (parsed.output.id !== parsed.output.rawId) {
    throw new ApiError('CEREMONY_FAILED', 'The passkey response is malformed');
  }
  checkClientSide(parsed.output);
  return parsed.output as AuthenticationResponseJSON;
}

/** Stores a challenge server-side; the browser only ever gets the ceremony id and options. */
export async function storeChallenge(
  ctx: AccountsContext,
  purpose: CeremonyPurpose,
  challenge: string,
  context: Record<string, unknown>,
): Promise<string> {
  const id = randomId();
  const now = ctx.now().getTime();
  // Expired challenges are removed whenever a new one is made, so the table stays small.
  await ctx.writes.write(function* (tx) {
    yield* changes(tx.db.deleteFrom('webauthn_challenges').where('expires_at', '<=', now));
    yield* changes(
      tx.db.insertInto('webauthn_challenges').values({
        id,
        purpose,
        challenge,
        context: JSON.stringify(context),
        expires_at: now + ctx.settings.challengeTtlMs,
      }),
    );
  });
  return id;
}

/**
 * Takes a challenge out of the store for good. It is consumed by every attempt, successful or
 * not, so a captured response can never be replayed, and an expired one is refused.
 */
export async function consumeChallenge(
  ctx: AccountsContext,
  ceremonyId: unknown,
  purpose: CeremonyPurpose,
): Promise<{ challenge: string; context: Record<string, unknown> }> {
  if (typeof ceremonyId !== 'string' || ceremonyId.length > 64) {
    throw new ApiError('BAD_REQUEST', 'ceremonyId is required');
  }
  const row = await ctx.writes.write((tx) =>
    first(tx.db.deleteFrom('webauthn_challenges').where('id', '=', ceremonyId).returningAll()),
  );
  if (row?.purpose !== purpose || row.expires_at <= ctx.now().getTime()) {
    throw new ApiError(
      'CEREMONY_FAILED',
      'This sign-in attempt has expired or was already used: start again',
    );
  }
  return { challenge: row.challenge, context: JSON.parse(row.context) as Record<string, unknown> };
}
