/**
 * The accounts part of the relay's JSON API: paths, request and response bodies. Both the relay
 * and the PWA import these, so the two cannot drift apart. WebAuthn options and responses travel
 * as the JSON forms of the WebAuthn Level 3 spec (as @simplewebauthn produces and consumes them)
 * and are typed `unknown` here because shared/ has no DOM types.
 */

export const ACCOUNTS_API = {
  registrationOptions: '/api/registration/options',
  registrationVerify: '/api/registration/verify',
  inviteInspect: '/api/invites/inspect',
  signInOptions: '/api/sign-in/options',
  signInVerify: '/api/sign-in/verify',
  signOut: '/api/sign-out',
  me: '/api/me',
  passkeys: '/api/passkeys',
  passkeyOptions: '/api/passkeys/options',
  passkeyVerify: '/api/passkeys/verify',
  /** PATCH { name } renames, DELETE removes; `:id` is the credential id. */
  passkey: '/api/passkeys/:id',
  sessions: '/api/sessions',
  /** DELETE ends that session. */
  session: '/api/sessions/:id',
  revokeOtherSessions: '/api/sessions/revoke-others',
  /** POST: request options for a step-up assertion (any of the account's passkeys, UV required). */
  sessionVerifyOptions: '/api/session/verify/options',
  /** POST {ceremonyId, response}: the assertion; the session counts as verified for a while. */
  sessionVerify: '/api/session/verify',
  invites: '/api/invites',
  /** DELETE revokes the invite. */
  invite: '/api/invites/:id',
  users: '/api/users',
  /** DELETE deletes the account. */
  user: '/api/users/:id',
  disableUser: '/api/users/:id/disable',
  enableUser: '/api/users/:id/enable',
  recoveryInvite: '/api/users/:id/recovery-invite',
  /** POST { role }: make a user an admin or a member. */
  userRole: '/api/users/:id/role',
  /** GET: devices that have not connected within the retention period (admins only). */
  staleDevices: '/api/devices/stale',
} as const;

/** Fills `:name` segments of an API path. */
export function apiPath(pattern: string, params: Readonly<Record<string, string>>): string {
  return pattern.replace(/:([a-zA-Z]+)/g, (_, name: string) => {
    const value = params[name];
    if (value === undefined) throw new Error(`missing path parameter ${name}`);
    return encodeURIComponent(value);
  });
}

export type Role = 'admin' | 'member';
export type AccountStatus = 'active' | 'disabled';
export type InviteKind = 'register' | 'recovery';

export const DISPLAY_NAME_MAX = 64;
export const PASSKEY_NAME_MAX = 64;

/**
 * The PRF salt the PWA evaluates at registration and sign-in to derive its keystore key. A fixed,
 * versioned label is enough: the PRF output is already unique to each credential.
 */
export const KEYSTORE_PRF_SALT_LABEL = 'VaultRoom keystore key v1';

/** Where an invite token travels: in the URL fragment, which browsers never send to a server. */
export const INVITE_FRAGMENT_KEY = 'invite';
/**
 * Beside the token: the audit log's Ed25519 public key (base64url, 43 characters) as the
 * inviter's device trusts it, which the device joining pins (PROTOCOL.md §1.8.3).
 */
export const INVITE_LOG_KEY_FRAGMENT_KEY = 'log';

export interface AccountView {
  readonly id: string;
  readonly handle: string;
  readonly displayName: string;
  readonly role: Role;
  readonly createdAt: string;
}

export interface PasskeyView {
  readonly id: string;
  readonly name: string;
  /** The authenticator's maker, from its AAGUID, when known (e.g. "Google Password Manager"). */
  readonly provider: string | null;
  readonly createdAt: string;
  readonly lastUsedAt: string | null;
  readonly backupEligible: boolean;
  readonly backedUp: boolean;
}

export interface SessionView {
  readonly id: string;
  readonly current: boolean;
  /** e.g. "Chrome on Android". */
  readonly device: string;
  readonly createdAt: string;
  readonly lastSeenAt: string;
}

export interface InviteView {
  readonly id: string;
  readonly kind: InviteKind;
  readonly role: Role;
  readonly maxUses: number;
  readonly uses: number;
  readonly createdAt: string;
  readonly expiresAt: string;
  readonly revokedAt: string | null;
  /** For recovery invites: the account it lets back in. */
  readonly forHandle: string | null;
}

export interface UserView {
  readonly id: string;
  readonly handle: string;
  readonly displayName: string;
  readonly role: Role;
  readonly status: AccountStatus;
  readonly createdAt: string;
  readonly passkeyCount: number;
  readonly lastSignInAt: string | null;
}

/**
 * A device, not revoked, that has not connected within the relay's retention period: what waits
 * for it expires unread, and it may be lost or forgotten.
 */
export interface StaleDeviceView {
  readonly id: string;
  /** The handle of the account it belongs to. */
  readonly handle: string;
  readonly name: string;
  readonly createdAt: string;
  /** When it last connected, or null if it never did since it was registered. */
  readonly lastSeenAt: string | null;
  /** Undelivered envelopes waiting in its mailbox, and their size in bytes. */
  readonly envelopes: number;
  readonly bytes: number;
}

export interface StaleDevicesResponse {
  /** The retention period: a device not seen for this many days is listed. */
  readonly retentionDays: number;
  /** Longest unseen first. */
  readonly devices: readonly StaleDeviceView[];
}

export interface CeremonyOptions {
  readonly ceremonyId: string;
  /** PublicKeyCredentialCreationOptionsJSON or PublicKeyCredentialRequestOptionsJSON. */
  readonly options: unknown;
}

export interface InviteInspectRequest {
  readonly invite: string;
}
export interface InviteInspectResponse {
  readonly kind: InviteKind;
  readonly role: Role;
  /** For a recovery invite, the handle of the account being recovered. */
  readonly forHandle: string | null;
  readonly expiresAt: string;
}

export interface RegistrationOptionsRequest {
  /** The invite token; may be omitted when the relay allows open registration. */
  readonly invite?: string;
  /** Ignored for recovery invites, which keep the account's handle. */
  readonly handle?: string;
  readonly displayName?: string;
}

export interface CeremonyVerifyRequest {
  readonly ceremonyId: string;
  /** RegistrationResponseJSON or AuthenticationResponseJSON, with any PRF results removed. */
  readonly response: unknown;
  /** A name for a new passkey, e.g. "Phone". */
  readonly passkeyName?: string;
}

export interface SignedInResponse {
  readonly account: AccountView;
  /** Things the user must be told once, e.g. that a recovery invite was used on the account. */
  readonly notices: readonly SignInNotice[];
}

export type SignInNotice =
  { readonly kind: 'recovery-used'; readonly at: string } | { readonly kind: 'single-passkey' };

/**
 * How long a user verification with a passkey (sign-in, registration or a step-up assertion)
 * lets the session add or remove a passkey, revoke a device, publish the account's trust objects,
 * store a sealed account key or issue a recovery invite. Older: `REAUTH_REQUIRED` (403).
 */
export const STEP_UP_MAX_AGE_MS = 5 * 60_000;

/** The answer to `POST /api/session/verify`: the session's verification is fresh until then. */
export interface SessionVerifiedResponse {
  readonly verifiedUntil: string;
}

export interface CreateInviteRequest {
  readonly role: Role;
  readonly maxUses: number;
  readonly expiresInHours: number;
}

export interface CreatedInviteResponse {
  readonly invite: InviteView;
  /** The full link with the token in its fragment; shown once, never stored in readable form. */
  readonly link: string;
}

export interface ApiErrorBody {
  readonly error: { readonly code: string; readonly message: string };
}
