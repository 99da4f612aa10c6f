import {
  generateRegistrationOptions,
  type PublicKeyCredentialCreationOptionsJSON,
} from '@simplewebauthn/server';
import type { AccountsContext } from './AccountsContext.js';
import { SUPPORTED_ALGORITHMS } from './ceremonies.js';

export interface PasskeyOwner {
  readonly handle: string;
  readonly displayName: string;
  /** The WebAuthn user handle: the same for every passkey of an account. */
  readonly userId: Uint8Array;
  /** The account's passkeys, which the authenticator must not register again. */
  readonly existing: readonly { id: string; transports: string }[];
}

/**
 * Creation options for every passkey VaultRoom makes: a resident (discoverable) credential, so
 * sign-in needs no handle; user verification required, since the passkey is the only factor; no
 * attestation, since we trust no vendor list and ask for no identifying data.
 */
export function passkeyCreationOptions(
  ctx: AccountsContext,
  rpId: string,
  owner: PasskeyOwner,
): Promise<PublicKeyCredentialCreationOptionsJSON> {
  return generateRegistrationOptions({
    rpName: ctx.settings.rpName,
    rpID: rpId,
    userName: owner.handle,
    userID: Uint8Array.from(owner.userId),
    userDisplayName: owner.displayName,
    attestationType: 'none',
    excludeCredentials: owner.existing.map((row) => ({
      id: row.id,
      transports: JSON.parse(row.transports) as string[],
    })),
    authenticatorSelection: {
      residentKey: 'required',
      requireResidentKey: true,
      userVerification: 'required',
    },
    supportedAlgorithmIDs: SUPPORTED_ALGORITHMS,
    timeout: ctx.settings.challengeTtlMs,
  });
}
