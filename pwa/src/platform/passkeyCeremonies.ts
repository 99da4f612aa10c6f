import {
  WebAuthnAbortService,
  WebAuthnError,
  browserSupportsWebAuthn,
  browserSupportsWebAuthnAutofill,
  startAuthentication,
  startRegistration,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
} from '@simplewebauthn/browser';
import { encodeBase64Url, KEYSTORE_PRF_SALT_LABEL } from '@vaultroom/shared';
import type { KeystoreKey } from '../core/keystore/keystoreKeySink.js';
import type { PasskeyResult } from '../core/ports.js';
import {
  ACCOUNT_KEY_PRF_SALT_LABEL,
  keystorePrfSalt,
  separatePrfResult,
  withPrfRequest,
} from '../core/account/prfExtension.js';
import { PasskeyCancelledError, PasskeyUnavailableError } from '../core/account/passkeyErrors.js';

/** The PRF output of a ceremony, paired with the credential that produced it. */
function withCredential(response: {
  readonly id: string;
  readonly clientExtensionResults: object;
}): PasskeyResult {
  const separated = separatePrfResult(response);
  return {
    response: separated.response,
    prfKey:
      separated.prfKey === null ? null : { credentialId: response.id, prfOutput: separated.prfKey },
    accountKeySecret:
      separated.secondKey === undefined
        ? null
        : { credential: response.id, prfOutput: separated.secondKey },
  };
}

let salt: Promise<Uint8Array> | null = null;
const prfSalt = (): Promise<Uint8Array> =>
  (salt ??= keystorePrfSalt(KEYSTORE_PRF_SALT_LABEL, crypto.subtle));
let accountKeySalt: Promise<Uint8Array> | null = null;
const accountKeyPrfSalt = (): Promise<Uint8Array> =>
  (accountKeySalt ??= keystorePrfSalt(ACCOUNT_KEY_PRF_SALT_LABEL, crypto.subtle));

/**
 * Maps what the browser throws to our two cases. NotAllowedError is what every browser gives when
 * the person dismisses the prompt (and, by design, for a timeout): not an error to shout about.
 */
function classify(error: unknown): Error {
  if (error instanceof WebAuthnError) {
    if (
      error.code === 'ERROR_CEREMONY_ABORTED' ||
      error.code === 'ERROR_PASSTHROUGH_SEE_CAUSE_PROPERTY'
    ) {
      return new PasskeyCancelledError(error.message);
    }
    if (error.code === 'ERROR_AUTHENTICATOR_PREVIOUSLY_REGISTERED') {
      return new PasskeyUnavailableError('already-registered', error.message);
    }
    return new PasskeyUnavailableError('failed', error.message);
  }
  if (error instanceof Error && (error.name === 'AbortError' || error.name === 'NotAllowedError')) {
    return new PasskeyCancelledError(error.message);
  }
  return new PasskeyUnavailableError(
    'failed',
    error instanceof Error ? error.message : 'Passkey error',
  );
}

function ensureSupported(): void {
  if (!browserSupportsWebAuthn()) {
    throw new PasskeyUnavailableError('unsupported', 'This browser cannot use passkeys');
  }
}

/** Creates a passkey from the relay's creation options, asking for the keystore PRF too. */
export async function createPasskey(options: unknown): Promise<PasskeyResult> {
  ensureSupported();
  const optionsJSON = withPrfRequest(
    options as PublicKeyCredentialCreationOptionsJSON,
    await prfSalt(),
    await accountKeyPrfSalt(),
  );
  let response;
  try {
    response = await startRegistration({ optionsJSON });
  } catch (error) {
    throw classify(error);
  }
  return withCredential(response);
}

/**
 * Signs in with a passkey. With `autofill`, the request is a conditional one: it waits, without
 * any prompt, for the person to pick a passkey in the handle field's suggestions.
 */
export async function getPasskey(
  options: unknown,
  mode: { readonly autofill: boolean },
): Promise<PasskeyResult> {
  ensureSupported();
  const optionsJSON = withPrfRequest(
    options as PublicKeyCredentialRequestOptionsJSON,
    await prfSalt(),
    await accountKeyPrfSalt(),
  );
  let response;
  try {
    response = await startAuthentication({ optionsJSON, useBrowserAutofill: mode.autofill });
  } catch (error) {
    throw classify(error);
  }
  return withCredential(response);
}

/**
 * A step-up assertion: the person confirms with one of the account's passkeys (the relay's
 * options list them and require user verification). No PRF is asked for; the response is posted.
 */
export async function confirmWithPasskey(options: unknown): Promise<unknown> {
  ensureSupported();
  let response;
  try {
    response = await startAuthentication({
      optionsJSON: options as PublicKeyCredentialRequestOptionsJSON,
    });
  } catch (error) {
    throw classify(error);
  }
  return separatePrfResult(response).response;
}

function randomChallenge(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return encodeBase64Url(bytes);
}

/**
 * Asks one of `credentialIds` for its PRF output, to unlock this device's chat store. Nothing is
 * posted anywhere: the assertion is thrown away, so the challenge is a local random one, and it
 * works offline. The relay never sees the output (DESIGN §4). Null when the authenticator gives
 * no PRF output.
 */
export async function unlockWithPasskey(
  credentialIds: readonly string[],
): Promise<KeystoreKey | null> {
  ensureSupported();
  const optionsJSON = withPrfRequest<PublicKeyCredentialRequestOptionsJSON>(
    {
      challenge: randomChallenge(),
      allowCredentials: credentialIds.map((id) => ({ id, type: 'public-key' })),
      userVerification: 'required',
      timeout: 120_000,
    },
    await prfSalt(),
  );
  let response;
  try {
    response = await startAuthentication({ optionsJSON });
  } catch (error) {
    throw classify(error);
  }
  return withCredential(response).prfKey;
}

export const supportsPasskeyAutofill = (): Promise<boolean> =>
  browserSupportsWebAuthnAutofill().catch(() => false);

/** Ends whatever ceremony is pending (e.g. the autofill one when the page goes away). */
export function cancelPasskeyCeremony(): void {
  WebAuthnAbortService.cancelCeremony();
}
