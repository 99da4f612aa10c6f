import type { AccountView } from '@vaultroom/shared';
import { createEffect, createSignal, on, type Accessor } from 'solid-js';
import type { ChatEngine } from '../core/chat/createChatEngine.js';
import type {
  ChatKeystore,
  ForgetPasskeyOutcome,
  KeystoreProtection,
} from '../core/keystore/ChatKeystore.js';
import type { KeystoreKey } from '../core/keystore/keystoreKeySink.js';
import { PasskeyCancelledError } from '../core/account/passkeyErrors.js';
import type { ChatOpening } from '../core/ports.js';
import type { ShareInboxKey } from '../core/files/shareInbox.js';
import type { ConversationRoutes } from '../core/chat/conversationRoutes.js';

export interface ChatLockServices {
  /** The signed-in account, whose store this is. */
  readonly account: Accessor<AccountView | null>;
  /** Opens an account's chat with the PRF outputs given (platform/openChatEngine.ts). */
  readonly open: (account: AccountView, keys: readonly KeystoreKey[]) => Promise<ChatOpening>;
  /** Copies of the PRF outputs held in memory for this page, newest first. */
  readonly heldKeys: () => KeystoreKey[];
  /** Changes whenever a PRF output is accepted or the held ones are forgotten. */
  readonly keysChanged: Accessor<number>;
  /** Hands a PRF output to the session (which holds it in memory). */
  readonly acceptKey: (key: KeystoreKey) => void;
  /** Drops one passkey's output from memory. */
  readonly forgetKey: (credentialId: string) => void;
  /** A local WebAuthn get asking one of these passkeys for its PRF output; posts nothing. */
  readonly unlockCeremony: (credentialIds: readonly string[]) => Promise<KeystoreKey | null>;
  readonly forgetPasskeyWrap: (
    accountId: string,
    credentialId: string,
  ) => Promise<ForgetPasskeyOutcome>;
  /** Deletes an account's chat store on this device (platform/openChatKeystore.ts). */
  readonly deleteStore: (accountId: string) => Promise<void>;
}

export type ChatLockState =
  | { readonly kind: 'none' }
  | {
      readonly kind: 'locked';
      readonly credentialIds: readonly string[];
      /** A passkey was used (at sign-in or to unlock) and has no wrap entry here. */
      readonly refused: boolean;
    };

/** What pressing "Unlock" led to; `cancelled` is the person's choice, not an error. */
export type UnlockOutcome = 'unlocking' | 'cancelled' | 'no-prf' | 'failed';

export interface ChatLock {
  readonly state: Accessor<ChatLockState>;
  /** The open store's share-inbox key (files shared from other apps); null while none is open. */
  readonly shareInbox: Accessor<ShareInboxKey | null>;
  /** The open store's conversation addresses; null while none is open. */
  readonly routes: Accessor<ConversationRoutes | null>;
  /** How the open store is sealed; null while none is open. */
  readonly protection: Accessor<KeystoreProtection | null>;
  /** Runs the unlock ceremony; the chat reopens on its own when it yields a key. */
  unlock(): Promise<UnlockOutcome>;
  /**
   * For a locked store no passkey at hand can open: deletes it, for good, and opens the chat
   * afresh as a new device of the account.
   */
  startOver(): Promise<void>;
  /** After the relay removed a passkey: its wrap entry goes too, unless it is the last one. */
  passkeyRemoved(credentialId: string): Promise<ForgetPasskeyOutcome>;
  /** Acts on the PRF outputs held now; runs by itself whenever `services.keysChanged` does. */
  keysChanged(): void;
  /** For createChat: the engine, or null when the store is locked. */
  openEngine(account: AccountView): Promise<ChatEngine | null>;
  /** For createChat: changes when the chat should open again (a key arrived for a locked store). */
  readonly reopenRequests: Accessor<number>;
}

/**
 * The chat store's lock, between the PRF outputs the session holds and the chat that opens
 * with them. A passkey-sealed store opens at sign-in with the output of that ceremony; after a
 * reload it is locked until a passkey is asked again. A new PRF output while open adds a wrap
 * entry for its passkey (a passkey added in Settings); one while locked, or while the store is
 * still sealed with device keys, opens the chat again (which unlocks, or re-seals under it).
 */
export function createChatLock(services: ChatLockServices): ChatLock {
  const [state, setState] = createSignal<ChatLockState>({ kind: 'none' });
  const [protection, setProtection] = createSignal<KeystoreProtection | null>(null);
  const [reopenRequests, setReopenRequests] = createSignal(0);
  const [shareInbox, setShareInbox] = createSignal<ShareInboxKey | null>(null);
  const [routes, setRoutes] = createSignal<ConversationRoutes | null>(null);
  let keystore: ChatKeystore | null = null;

  const keysChanged = (): void => {
    const keys = services.heldKeys();
    if (keys.length === 0) return;
    if (keystore?.protection === 'passkey') {
      keystore.addPasskeys(keys).catch((error: unknown) => {
        console.warn('keystore: could not add a passkey', error);
      });
    } else if (keystore !== null || state().kind === 'locked') {
      setReopenRequests((count) => count + 1);
    }
  };
  createEffect(on(services.keysChanged, keysChanged, { defer: true }));

  return {
    state,
    protection,
    shareInbox,
    routes,
    reopenRequests,
    keysChanged,
    async openEngine(account) {
      const opening = await services.open(account, services.heldKeys());
      if (opening.kind === 'locked') {
        setState(opening);
        setProtection(null);
        setShareInbox(null);
        setRoutes(null);
        return null;
      }
      const opened = opening.keystore;
      keystore = opened;
      setState({ kind: 'none' });
      setProtection(opened.protection);
      setShareInbox(opening.shareInbox);
      setRoutes(opening.routes);
      const { engine } = opening;
      return {
        ...engine,
        stop() {
          engine.stop();
          // Closes the database and overwrites the storage secret held in memory.
          opened.close();
          if (keystore === opened) {
            keystore = null;
            setProtection(null);
            setShareInbox(null);
            setRoutes(null);
          }
        },
      };
    },
    async unlock() {
      const current = state();
      if (current.kind !== 'locked') return 'unlocking';
      let key: KeystoreKey | null;
      try {
        key = await services.unlockCeremony(current.credentialIds);
      } catch (error) {
        if (error instanceof PasskeyCancelledError) return 'cancelled';
        console.warn('unlock failed', error);
        return 'failed';
      }
      if (key === null) return 'no-prf';
      services.acceptKey(key);
      return 'unlocking';
    },
    async startOver() {
      const account = services.account();
      if (account === null || state().kind !== 'locked') return;
      await services.deleteStore(account.id);
      setState({ kind: 'none' });
      setReopenRequests((count) => count + 1);
    },
    async passkeyRemoved(credentialId) {
      services.forgetKey(credentialId);
      const account = services.account();
      if (account === null) return 'absent';
      return services.forgetPasskeyWrap(account.id, credentialId);
    },
  };
}
