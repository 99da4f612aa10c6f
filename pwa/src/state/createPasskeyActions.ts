import type { PasskeyView } from '@vaultroom/shared';
import type { AccountKeySecret } from '../core/chat/ChatEngine.js';
import type { KeystoreKey } from '../core/keystore/keystoreKeySink.js';
import type { AccountsClient, PasskeyCeremonies } from '../core/ports.js';
import type { AccountSession } from './createAccountSession.js';

export interface PasskeyActions {
  /**
   * One sign-in ceremony from fresh options (a ceremony id is single use). `signal` stops it
   * between steps, so a superseded autofill request never starts a ceremony of its own.
   */
  signIn(mode: { readonly autofill: boolean; readonly signal?: AbortSignal }): Promise<void>;
  /** Sign-up or recovery with an invite; the relay keeps handle and name on recovery. */
  join(
    invite: string,
    details: { readonly handle: string; readonly displayName: string } | null,
  ): Promise<void>;
  addPasskey(): Promise<PasskeyView>;
  readonly supportsAutofill: () => Promise<boolean>;
  readonly cancel: () => void;
}

export class SupersededError extends Error {
  override readonly name = 'SupersededError';
}

function checkSignal(signal: AbortSignal | undefined): void {
  if (signal?.aborted === true) throw new SupersededError('superseded');
}

export function createPasskeyActions(deps: {
  readonly client: AccountsClient;
  readonly ceremonies: PasskeyCeremonies;
  readonly session: AccountSession;
}): PasskeyActions {
  const { client, ceremonies, session } = deps;
  // The account-key output goes along only when the authenticator gave one.
  const signedInWith = (
    response: Parameters<AccountSession['signedIn']>[0],
    prfKey: KeystoreKey | null,
    secret: AccountKeySecret | null | undefined,
  ): void => {
    if (secret === null || secret === undefined) session.signedIn(response, prfKey);
    else session.signedIn(response, prfKey, secret);
  };
  return {
    async signIn(mode) {
      const { ceremonyId, options } = await client.signInOptions();
      checkSignal(mode.signal);
      const { response, prfKey, accountKeySecret } = await ceremonies.get(options, {
        autofill: mode.autofill,
      });
      checkSignal(mode.signal);
      const signedIn = await client.signInVerify({ ceremonyId, response });
      signedInWith(signedIn, prfKey, accountKeySecret);
    },
    async join(invite, details) {
      const { ceremonyId, options } = await client.registrationOptions(
        details === null ? { invite } : { invite, ...details },
      );
      const { response, prfKey, accountKeySecret } = await ceremonies.create(options);
      const signedIn = await client.registrationVerify({ ceremonyId, response });
      signedInWith(signedIn, prfKey, accountKeySecret);
    },
    async addPasskey() {
      try {
        const { ceremonyId, options } = await client.passkeyOptions();
        const { response, prfKey } = await ceremonies.create(options);
        const { passkey } = await client.passkeyVerify({ ceremonyId, response });
        // Only once the relay accepted it as this account's passkey: the open keystore then adds
        // a wrap entry for it, so it unlocks this device's chat as well.
        session.acceptKeystoreKey(prfKey);
        return passkey;
      } catch (error) {
        throw session.noticeError(error);
      }
    },
    supportsAutofill: ceremonies.supportsAutofill,
    cancel: ceremonies.cancel,
  };
}
