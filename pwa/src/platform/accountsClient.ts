import {
  ACCOUNTS_API,
  apiPath,
  type AccountView,
  type CeremonyOptions,
  type CeremonyVerifyRequest,
  type CreateInviteRequest,
  type CreatedInviteResponse,
  type InviteInspectResponse,
  type InviteView,
  type PasskeyView,
  type RegistrationOptionsRequest,
  type SessionVerifiedResponse,
  type SessionView,
  type SignedInResponse,
  type UserView,
} from '@vaultroom/shared';
import { ApiRequestError, apiErrorFromResponse } from '../core/relay/ApiRequestError.js';
import type { AccountsClient } from '../core/ports.js';
import { confirmWithPasskey } from './passkeyCeremonies.js';
import { retryAfterStepUp } from './retryAfterStepUp.js';

export type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

/**
 * One JSON call to the relay on this origin. The session is the relay's HttpOnly cookie, which
 * the browser attaches by itself; nothing here ever sees it. Never cached, never retried.
 */
export async function call<T>(method: Method, path: string, body?: unknown): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      credentials: 'same-origin',
      cache: 'no-store',
      headers:
        body === undefined
          ? { accept: 'application/json' }
          : { accept: 'application/json', 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch (error) {
    throw new ApiRequestError(
      'NETWORK',
      error instanceof Error ? error.message : 'Network error',
      0,
    );
  }
  if (response.status === 204) return undefined as T;
  const parsed: unknown = await response.json().catch(() => undefined);
  if (!response.ok) {
    throw apiErrorFromResponse(response.status, parsed, response.headers.get('retry-after'));
  }
  return parsed as T;
}

/**
 * The step-up ceremony (PROTOCOL.md §2.9): the person confirms with one of the account's passkeys,
 * and for five minutes the session may change passkeys and devices, publish the account's trust
 * objects and issue recovery invites. Rejects with PasskeyCancelledError if they dismiss it.
 * The chat engine runs it before `publish-trust` or `store-sealed-key` when the relay answers
 * REAUTH_REQUIRED.
 */
export async function verifyUser(): Promise<void> {
  const { ceremonyId, options } = await call<CeremonyOptions>(
    'POST',
    ACCOUNTS_API.sessionVerifyOptions,
    {},
  );
  const response = await confirmWithPasskey(options);
  await call<SessionVerifiedResponse>('POST', ACCOUNTS_API.sessionVerify, {
    ceremonyId,
    response,
  } satisfies CeremonyVerifyRequest);
}

/** An action that needs a recent verification: asks for one (once) if the relay says so. */
const stepUp = <T>(action: () => Promise<T>): Promise<T> => retryAfterStepUp(action, verifyUser);

/** The accounts endpoints of the relay, typed by the shared API contract. */
export const accountsClient: AccountsClient = {
  me: () => call<{ account: AccountView }>('GET', ACCOUNTS_API.me),
  signOut: () => call<undefined>('POST', ACCOUNTS_API.signOut, {}),

  inspectInvite: (invite: string) =>
    call<InviteInspectResponse>('POST', ACCOUNTS_API.inviteInspect, { invite }),
  registrationOptions: (request: RegistrationOptionsRequest) =>
    call<CeremonyOptions>('POST', ACCOUNTS_API.registrationOptions, request),
  registrationVerify: (request: CeremonyVerifyRequest) =>
    call<SignedInResponse>('POST', ACCOUNTS_API.registrationVerify, request),
  signInOptions: () => call<CeremonyOptions>('POST', ACCOUNTS_API.signInOptions, {}),
  signInVerify: (request: CeremonyVerifyRequest) =>
    call<SignedInResponse>('POST', ACCOUNTS_API.signInVerify, request),

  passkeys: () => call<{ passkeys: PasskeyView[] }>('GET', ACCOUNTS_API.passkeys),
  passkeyOptions: () =>
    stepUp(() => call<CeremonyOptions>('POST', ACCOUNTS_API.passkeyOptions, {})),
  // The relay checks the verification before it takes the ceremony's challenge: the same
  // response can be posted again after a step-up.
  passkeyVerify: (request: CeremonyVerifyRequest) =>
    stepUp(() => call<{ passkey: PasskeyView }>('POST', ACCOUNTS_API.passkeyVerify, request)),
  renamePasskey: (id: string, name: string) =>
    call<{ passkey: PasskeyView }>('PATCH', apiPath(ACCOUNTS_API.passkey, { id }), { name }),
  removePasskey: (id: string) =>
    stepUp(() => call<undefined>('DELETE', apiPath(ACCOUNTS_API.passkey, { id }))),

  sessions: () => call<{ sessions: SessionView[] }>('GET', ACCOUNTS_API.sessions),
  revokeSession: (id: string) => call<undefined>('DELETE', apiPath(ACCOUNTS_API.session, { id })),
  revokeOtherSessions: () =>
    call<{ revoked: number }>('POST', ACCOUNTS_API.revokeOtherSessions, {}),

  invites: () => call<{ invites: InviteView[] }>('GET', ACCOUNTS_API.invites),
  createInvite: (request: CreateInviteRequest) =>
    stepUp(() => call<CreatedInviteResponse>('POST', ACCOUNTS_API.invites, request)),
  revokeInvite: (id: string) => call<undefined>('DELETE', apiPath(ACCOUNTS_API.invite, { id })),
  users: () => call<{ users: UserView[] }>('GET', ACCOUNTS_API.users),
  disableUser: (id: string) =>
    call<{ user: UserView }>('POST', apiPath(ACCOUNTS_API.disableUser, { id }), {}),
  enableUser: (id: string) =>
    call<{ user: UserView }>('POST', apiPath(ACCOUNTS_API.enableUser, { id }), {}),
  deleteUser: (id: string) => call<undefined>('DELETE', apiPath(ACCOUNTS_API.user, { id })),
  recoveryInvite: (id: string) =>
    stepUp(() =>
      call<CreatedInviteResponse>('POST', apiPath(ACCOUNTS_API.recoveryInvite, { id }), {}),
    ),
};
