import type { StaleDevicesResponse } from '@vaultroom/shared';
import { createContext, useContext, type Accessor } from 'solid-js';
import type { RelayStatus } from '../core/relay/createRelayMonitor.js';
import type {
  AccountsClient,
  AuditClient,
  InviteLogKeyStorage,
  MessageNotifications,
  StoragePersistence,
  WebPush,
} from '../core/ports.js';
import type { AccountSession } from './createAccountSession.js';
import type { AppUpdate } from './createAppUpdate.js';
import type { Chat } from './createChat.js';
import type { ChatLock } from './createChatLock.js';
import type { InstallOffer } from './createInstallOffer.js';
import type { PasskeyActions } from './createPasskeyActions.js';
import type { Preferences } from './createPreferences.js';
import type { SecurityActivityServices } from './createSecurityActivity.js';
import type { Translate } from './createTranslator.js';

/** What every screen may use, built once by the composition root. */
export interface AppServices {
  readonly preferences: Preferences;
  readonly t: Translate;
  readonly relayStatus: Accessor<RelayStatus>;
  readonly update: AppUpdate;
  /** The origin this app (and so its relay) is served from. */
  readonly origin: string;
  readonly session: AccountSession;
  readonly passkeys: PasskeyActions;
  /** The relay's accounts API, for the screens that list and manage. */
  readonly api: AccountsClient;
  /** The relay's audit log: the account's verified security activity, and the admin view. */
  readonly audit: AuditClient;
  /** Administration: devices not seen within the relay's retention period. */
  readonly adminDevices: { readonly staleDevices: () => Promise<StaleDevicesResponse> };
  readonly security: SecurityActivityServices;
  /** The log key of the invite link being joined, kept until the chat pins it. */
  readonly inviteLogKey: InviteLogKeyStorage;
  /** Whether the browser offers to install the app, and the prompt that does it. */
  readonly install: InstallOffer;
  /** Conversations and messages of the signed-in account on this device. */
  readonly chat: Chat;
  /** Whether the chat's store is sealed with a passkey, locked, and the way to unlock it. */
  readonly chatLock: ChatLock;
  readonly notifications: MessageNotifications;
  /** Notifications while the app is closed (Web Push through the relay). */
  readonly push: WebPush;
  /** Whether the browser keeps this device's keys and messages through storage pressure. */
  readonly storage: StoragePersistence;
}

export const AppContext = createContext<AppServices>();

export function useApp(): AppServices {
  const services = useContext(AppContext);
  if (!services) throw new Error('useApp must be called below <AppContext.Provider>');
  return services;
}
