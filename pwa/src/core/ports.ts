import type { RememberedAccount } from './account/rememberedAccount.js';
import type {
  AccountView,
  AuditCheckpointResponse,
  AuditEventsResponse,
  CeremonyOptions,
  CeremonyVerifyRequest,
  ConsistencyResponse,
  CreateInviteRequest,
  CreatedInviteResponse,
  InviteInspectResponse,
  InviteView,
  MyAuditEventsResponse,
  PasskeyView,
  PushStatusView,
  RegistrationOptionsRequest,
  SessionView,
  SignedInResponse,
  UserView,
} from '@vaultroom/shared';
import type { AccountKeySecret } from './chat/ChatEngine.js';
import type { ChatEngine } from './chat/createChatEngine.js';
import type { ChatKeystore, KeystoreOpening } from './keystore/ChatKeystore.js';
import type { ShareInboxKey } from './files/shareInbox.js';
import type { ConversationRoutes } from './chat/conversationRoutes.js';
import type { KeystoreKey } from './keystore/keystoreKeySink.js';

/*
 * What the app's logic (core/ and state/) needs from the browser and the network, declared here
 * and implemented in pwa/src/platform/; main.tsx hands the implementations in. Nothing above
 * platform/ imports it (ESLint enforces this), so the logic runs in unit tests with fakes, and
 * swapping a browser API touches one file. The chat engine's own ports (its transport and sealed
 * store) live with it in core/chat/.
 */

// ---- the relay's JSON API ------------------------------------------------------------------

/**
 * The relay's accounts endpoints, typed by the shared API contract. Calls that need a recent
 * user verification ask for one (once) when the relay answers REAUTH_REQUIRED. Every call rejects
 * with an ApiRequestError (core/relay/).
 */
export interface AccountsClient {
  readonly me: () => Promise<{ account: AccountView }>;
  readonly signOut: () => Promise<undefined>;

  readonly inspectInvite: (invite: string) => Promise<InviteInspectResponse>;
  readonly registrationOptions: (request: RegistrationOptionsRequest) => Promise<CeremonyOptions>;
  readonly registrationVerify: (request: CeremonyVerifyRequest) => Promise<SignedInResponse>;
  readonly signInOptions: () => Promise<CeremonyOptions>;
  readonly signInVerify: (request: CeremonyVerifyRequest) => Promise<SignedInResponse>;

  readonly passkeys: () => Promise<{ passkeys: PasskeyView[] }>;
  readonly passkeyOptions: () => Promise<CeremonyOptions>;
  readonly passkeyVerify: (request: CeremonyVerifyRequest) => Promise<{ passkey: PasskeyView }>;
  readonly renamePasskey: (id: string, name: string) => Promise<{ passkey: PasskeyView }>;
  readonly removePasskey: (id: string) => Promise<undefined>;

  readonly sessions: () => Promise<{ sessions: SessionView[] }>;
  readonly revokeSession: (id: string) => Promise<undefined>;
  readonly revokeOtherSessions: () => Promise<{ revoked: number }>;

  readonly invites: () => Promise<{ invites: InviteView[] }>;
  readonly createInvite: (request: CreateInviteRequest) => Promise<CreatedInviteResponse>;
  readonly revokeInvite: (id: string) => Promise<undefined>;
  readonly users: () => Promise<{ users: UserView[] }>;
  readonly disableUser: (id: string) => Promise<{ user: UserView }>;
  readonly enableUser: (id: string) => Promise<{ user: UserView }>;
  readonly deleteUser: (id: string) => Promise<undefined>;
  readonly recoveryInvite: (id: string) => Promise<CreatedInviteResponse>;
}

export interface AuditPageRequest {
  /** Only events with a smaller sequence number (the last one of the previous page). */
  readonly before?: number;
  readonly limit?: number;
}

/** The relay's audit endpoints, typed by the shared API contract. */
export interface AuditClient {
  readonly checkpoint: () => Promise<AuditCheckpointResponse>;
  readonly consistency: (from: number, to: number) => Promise<ConsistencyResponse>;
  readonly mine: (request: AuditPageRequest) => Promise<MyAuditEventsResponse>;
  readonly events: (
    request: AuditPageRequest & { readonly type?: string; readonly account?: string },
  ) => Promise<AuditEventsResponse>;
}

// ---- passkeys -------------------------------------------------------------------------------

/** What a WebAuthn ceremony on this device yields. */
export interface PasskeyResult {
  /** The response to post, with any PRF output removed. */
  readonly response: unknown;
  /** The PRF output with the credential it came from, when the authenticator gave one. */
  readonly prfKey: KeystoreKey | null;
  /** The second salt's output, which seals the account key (§1.15.5), when given; never posted. */
  readonly accountKeySecret?: AccountKeySecret | null;
}

/** The browser's WebAuthn ceremonies (platform/passkeyCeremonies.ts). */
export interface PasskeyCeremonies {
  readonly create: (options: unknown) => Promise<PasskeyResult>;
  readonly get: (options: unknown, mode: { readonly autofill: boolean }) => Promise<PasskeyResult>;
  readonly supportsAutofill: () => Promise<boolean>;
  readonly cancel: () => void;
}

// ---- the relay's health ----------------------------------------------------------------------

/** One `GET /healthz`; rejects only when no response arrived. */
export type FetchHealth = (
  signal: AbortSignal,
) => Promise<{ readonly httpStatus: number; readonly body: unknown }>;

/** The browser's own idea of connectivity. `online` is a hint only: the check decides. */
export interface Connectivity {
  isOnline(): boolean;
  /** Calls `listener` on each `online`/`offline` event; returns the unsubscribe function. */
  subscribe(listener: (online: boolean) => void): () => void;
}

// ---- storage on this device ------------------------------------------------------------------

/**
 * The log key of the invite link this browser tab joined through (base64url), kept from the
 * join until the chat opens and pins it (PROTOCOL.md §1.8.3). It is the relay's public key.
 */
export interface InviteLogKeyStorage {
  read(): string | null;
  write(key: string | null): void;
}

/**
 * The last account signed in on this device, so the app opens offline on the conversations kept
 * here instead of a sign-in page it cannot use. Only its id is written (core/account/
 * rememberedAccount.ts): the handle and names are sealed in the chat store.
 */
export interface LastAccountStorage {
  read(): RememberedAccount | null;
  write(account: AccountView | null): void;
}

export type PreferenceKey = 'theme' | 'locale';

/** Device-local interface preferences: not secret, not synced, safe to lose. */
export interface PreferenceStorage {
  read(key: PreferenceKey): string | null;
  write(key: PreferenceKey, value: string): void;
}

/** Whether the browser may evict this site's storage (IndexedDB: keys and messages). */
export interface StoragePersistence {
  /** null where the Storage API is missing. */
  persisted(): Promise<boolean | null>;
  /** Asks the browser to keep this site's data; true when granted. */
  persist(): Promise<boolean | null>;
}

/**
 * What opening an account's chat on this device gives: the engine and its keystore, or why the
 * sealed store stayed shut (`locked` when it needs a passkey output it was not given).
 */
export type ChatOpening =
  | {
      readonly kind: 'open';
      readonly engine: ChatEngine;
      readonly keystore: ChatKeystore;
      /** Files shared from other apps open with it; null where the browser has no Cache API. */
      readonly shareInbox: ShareInboxKey | null;
      /** The opaque addresses of its conversations (conversationRoutes.ts). */
      readonly routes: ConversationRoutes;
    }
  | Exclude<KeystoreOpening, { kind: 'open' }>;

// ---- notifications ---------------------------------------------------------------------------

/** The Notification API, as the chat uses it: ask once, show only while the page is hidden. */
export interface MessageNotifications {
  /** 'default' until the person answers; 'unsupported' where the API is missing. */
  permission(): NotificationPermission | 'unsupported';
  request(): Promise<NotificationPermission | 'unsupported'>;
  /** Shown only when the app is in the background; one per conversation (replaced by tag). */
  show(title: string, body: string, tag: string, onClick: () => void): void;
  /**
   * Closes the notification shown with this tag, if any, the service worker's push notifications
   * included: its messages were read, here or on another device.
   */
  dismiss(tag: string): void;
  /** Closes every push notification: nothing is unread any more. */
  dismissAll(): void;
}

/** What this browser can do about push while the app is closed. */
export type PushSupport =
  | 'supported'
  /** iOS and iPadOS offer the Push API only to an app added to the home screen. */
  | 'needs-home-screen'
  | 'unsupported';

/** The browser's Push API and the relay's push routes, as Settings uses them. */
export interface WebPush {
  support(): PushSupport;
  permission(): NotificationPermission | 'unsupported';
  /** The relay's side: available here, its VAPID key, this device's subscription. */
  status(): Promise<PushStatusView>;
  /**
   * Asks for permission (call from a click: browsers refuse a prompt without one), subscribes
   * with the relay's key and registers the subscription with the relay.
   */
  enable(publicKey: string, showSender: boolean): Promise<NotificationPermission>;
  /** Registers the browser's current subscription again with another sender choice. */
  setShowSender(showSender: boolean): Promise<void>;
  /** Removes the subscription from the relay and the browser. */
  disable(): Promise<void>;
  /** Tells the service worker which language its notifications speak. */
  rememberLocale(locale: string): void;
}

// ---- installing the app ----------------------------------------------------------------------

/** The person's answer to the browser's install dialog. */
export type InstallOutcome = 'accepted' | 'dismissed';

/** One install dialog the browser offers to show. It can be shown once. */
export interface InstallPrompt {
  show(): Promise<InstallOutcome>;
}

export interface InstallPromptListener {
  /** The browser would install the app now, if asked through `prompt`. */
  offered(prompt: InstallPrompt): void;
  /** The app was installed, from this page's button or from the browser's own menu. */
  installed(): void;
}

/** Where install offers come from: the browser, or a fake in tests. */
export interface InstallPromptSource {
  /** The page runs as the installed app (in its own window), not in a browser tab. */
  isInstalled(): boolean;
  /** Reports offers and installs from now on; returns the function that stops it. */
  subscribe(listener: InstallPromptListener): () => void;
}
