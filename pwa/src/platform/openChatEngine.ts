import {
  createChatEngine,
  type AccountKeySecret,
  type ChatIssue,
  type ChatTransport,
  type ChatTransportHandlers,
} from '../core/chat/createChatEngine.js';
import type { AccountView } from '@vaultroom/shared';
import {
  isAccountKnown,
  readSealedAccountCopy,
  sealAccountCopy,
} from '../core/account/rememberedAccount.js';
import type { SealedStore } from '../core/chat/SealedStore.js';
import { openConversationRoutes } from '../core/chat/conversationRoutes.js';
import type { KeystoreKey } from '../core/keystore/keystoreKeySink.js';
import type { ChatOpening } from '../core/ports.js';
import { describeCanvasPicture } from './canvasPictures.js';
import { loadSodium } from './loadSodium.js';
import { openChatKeystore } from './openChatKeystore.js';
import { openLocalFiles } from './opfsLocalFiles.js';
import type { ShareInboxKey } from '../core/files/shareInbox.js';
import { openShareInboxKey } from '../core/files/shareInboxKey.js';

/** The share inbox's key, published for the service worker; the chat opens without it. */
async function shareInboxOf(store: SealedStore): Promise<ShareInboxKey | null> {
  if (typeof caches === 'undefined') return null;
  try {
    return await openShareInboxKey(store, caches);
  } catch (error) {
    console.warn('share inbox: no key', error);
    return null;
  }
}

// First match wins: Edge and Chromium both say "Chrome", Chromium-based browsers say "Safari".
const BROWSERS: readonly [string, string][] = [
  ['Edg/', 'Edge'],
  ['Firefox/', 'Firefox'],
  ['Chrom', 'Chromium'],
  ['Safari/', 'Safari'],
];
const SYSTEMS: readonly [string, string][] = [
  ['Android', 'Android'],
  ['iPhone', 'iOS'],
  ['iPad', 'iPadOS'],
  ['Mac OS X', 'macOS'],
  ['Windows', 'Windows'],
  ['CrOS', 'ChromeOS'],
  ['Linux', 'Linux'],
];

/** "Chromium on Android", "Firefox on Linux": what the device list shows for this browser. */
export function describeThisDevice(agent: string = navigator.userAgent): string {
  const pick = (table: readonly [string, string][], fallback: string) =>
    table.find(([marker]) => agent.includes(marker))?.[1] ?? fallback;
  return `${pick(BROWSERS, 'Browser')} on ${pick(SYSTEMS, 'this device')}`;
}

/**
 * The chat of one signed-in account in this browser: its sealed IndexedDB store, opened with the
 * PRF outputs held in memory (`locked` when the store needs one it was not given), libsodium and
 * `connect`, which hands it the tab's connection to the relay (`createRelayConnection`).
 */
export interface ChatOpenPorts {
  /** The session passkey's PRF output under the account-key salt, or null (§1.15.5). */
  readonly accountKeySecret?: () => Promise<AccountKeySecret | null>;
  /** A fresh user verification with the passkey, when the relay asks for one. */
  readonly verifyUser?: () => Promise<void>;
  /** The account as the unlocked store keeps it, for a start that knew only its id. */
  readonly recallAccount?: (account: AccountView) => void;
  /** The log key of the invite link this device joined through (§1.8.3), or null. */
  readonly pinnedLogKey?: string | null;
}

export async function openChatEngine(
  account: AccountView,
  keys: readonly KeystoreKey[],
  connect: (handlers: ChatTransportHandlers) => ChatTransport,
  { recallAccount, ...ports }: ChatOpenPorts = {},
): Promise<ChatOpening> {
  const [sodium, opening, files] = await Promise.all([
    loadSodium(),
    openChatKeystore(account.id, keys),
    openLocalFiles(),
  ]);
  if (opening.kind !== 'open') return opening;
  const { keystore } = opening;
  const { store } = keystore;
  const known = await knownAccount(store, account);
  if (known === null) {
    keystore.close();
    throw new Error('the chat store has no copy of its account: connect to the relay once');
  }
  recallAccount?.(known);
  const engine = createChatEngine({
    sodium,
    store,
    handle: known.handle,
    accountId: account.id,
    ...ports,
    deviceName: describeThisDevice(),
    now: () => Date.now(),
    connect,
    files,
    describePicture: describeCanvasPicture,
    onIssue: (issue: ChatIssue) => {
      // Nothing secret in an issue: a device id and an error code, or the failed task's error.
      console.warn('chat:', issue.kind, issue);
    },
  });
  return {
    kind: 'open',
    engine,
    keystore,
    shareInbox: await shareInboxOf(store),
    routes: await openConversationRoutes(store, sodium),
  };
}

/** The account as the relay last said it, kept sealed for the next start that knows only its id. */
async function knownAccount(store: SealedStore, account: AccountView): Promise<AccountView | null> {
  if (!isAccountKnown(account)) return readSealedAccountCopy(store, account.id);
  await sealAccountCopy(store, account);
  return account;
}
