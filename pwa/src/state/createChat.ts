import { handleKey, type AccountView } from '@vaultroom/shared';
import type { ConnectionState } from '@vaultroom/shared/client';
import type { SafetyNumber } from '@vaultroom/shared/crypto';
import { batch, createEffect, createSignal, on, onCleanup, type Accessor } from 'solid-js';
import { createStore, produce, reconcile } from 'solid-js/store';
import type { ContactRecord, ConversationRecord, MessageRecord } from '../core/chat/chatRecords.js';
import type {
  ChatEngine,
  ChatEvent,
  CheckpointComparison,
  LogNoticesRecord,
  TrustedLogSummary,
  OwnDevice,
  OwnTrustState,
  WaitingDevice,
} from '../core/chat/createChatEngine.js';

import type { PictureDescription } from '../core/chat/ChatEngine.js';
import type { FileToServe, ServeFile, ServedFile } from '../core/files/ServeFile.js';
import { createChatFileActions } from './createChatFileActions.js';
import { insertMessage } from './insertMessage.js';

export type { OwnDevice } from '../core/chat/createChatEngine.js';

/** `locked`: the store is sealed with a passkey and waits for one (see createChatLock). */
export type ChatStatus = 'signed-out' | 'opening' | 'locked' | 'ready' | 'unavailable';

export interface ChatServices {
  /** The chat's socket connected (again): news of the relay's health. */
  readonly onConnected?: () => void;
  /** Opens this account's chat in this browser (keys, store, connection); null while locked. */
  readonly openEngine: (account: AccountView) => Promise<ChatEngine | null>;
  /** Changes when the chat should open again, e.g. once a passkey unlocked its store. */
  readonly reopenRequests?: Accessor<number>;
  /**
   * Shows a notification for a new message while the app is in the background: from `author`,
   * in the group `group` (null for a conversation with one person).
   */
  readonly notify: (
    author: string,
    group: string | null,
    body: string,
    conversation: string,
  ) => void;
  /** Takes back a conversation's notification once nothing in it is unread (read elsewhere). */
  readonly dismissNotification?: (conversation: string) => void;
  /** Hands decrypted files to the browser at a URL (platform/serveFile.ts). */
  readonly serveFile: ServeFile;
  /** A video's size and poster, or null when the browser cannot play it (platform). */
  readonly describeVideo?: (file: Blob) => Promise<PictureDescription | null>;
}

export interface Chat {
  readonly status: Accessor<ChatStatus>;
  readonly connection: Accessor<ConnectionState | null>;
  /** Newest activity first. */
  readonly conversations: Accessor<readonly ConversationRecord[]>;
  /** Unread messages in all conversations together. */
  readonly unreadTotal: Accessor<number>;
  conversation(id: string): ConversationRecord | undefined;
  /** The conversation's messages in order; loaded on first use. */
  messages(id: string): readonly MessageRecord[];
  contact(id: string): ContactRecord | undefined;
  typing(id: string): boolean;
  startConversation(handle: string): Promise<ConversationRecord>;
  createGroup(name: string, handles: readonly string[]): Promise<ConversationRecord>;
  renameGroup(conversation: string, name: string): Promise<void>;
  addMembers(conversation: string, handles: readonly string[]): Promise<void>;
  removeMember(conversation: string, handle: string): Promise<void>;
  leaveGroup(conversation: string): Promise<void>;
  send(conversation: string, text: string, replyTo?: string | null): Promise<void>;
  /** Sends a file; resolves whether a photo's metadata was found and removed. */
  sendFile(conversation: string, file: File, caption?: string): Promise<boolean>;
  cancelUpload(message: string): Promise<void>;
  downloadAttachment(message: string, signal?: AbortSignal): Promise<void>;
  /**
   * A file kept on this device, its copy checked, served at a URL until closed: decrypted as
   * the browser reads it, to save (`attachment`) or to show in a viewer (`inline`).
   */
  openAttachment(message: string, disposition: FileToServe['disposition']): Promise<ServedFile>;
  /** A file's transfer under way: bytes done of the total. */
  transfer(message: string): FileTransfer | undefined;
  retry(message: string): Promise<void>;
  /** Removes one's own failed message (and its file) from this device. */
  removeFailed(message: string): Promise<void>;
  saveDraft(conversation: string, draft: string): Promise<void>;
  setTimer(conversation: string, seconds: number): Promise<void>;
  react(message: string, emoji: string): Promise<void>;
  markRead(conversation: string): Promise<void>;
  setTyping(conversation: string, typing: boolean): void;
  safetyNumber(conversation: string): Promise<SafetyNumber>;
  setVerified(conversation: string, verified: boolean): Promise<void>;
  acknowledgeKeyChange(conversation: string): Promise<void>;
  /** Where this device stands in its own account (§1.15.6), once the chat is open. */
  readonly trustState: Accessor<OwnTrustState | null>;
  /** Devices of this account, as last fetched, that its account key does not certify. */
  readonly devicesWaitingNow: Accessor<readonly string[]>;
  /**
   * What this device keeps of the audit log's troubles (sealed): warnings that the relay showed
   * it, or a contact, another log (§1.8.3), and monitoring findings (§3.9), dismissed or not.
   */
  readonly logNotices: Accessor<LogNoticesRecord>;
  /** The checkpoint the chat trusts, once it trusts one: its size and where its key came from. */
  readonly trustedLog: Accessor<TrustedLogSummary | null>;
  dismissLogAlert(id: string): Promise<void>;
  /** Compares the relay's checkpoint (a signed note) with the trusted one (§1.8.3). */
  compareRelayCheckpoint(note: string): Promise<CheckpointComparison>;
  /** While waiting for approval: the code to type on another device of the account. */
  linkCode(): Promise<string | null>;
  devicesWaiting(): Promise<WaitingDevice[]>;
  approveDevice(device: string, code: string): Promise<void>;
  /** Every device of this account, as the relay lists them, with whether each is approved. */
  listOwnDevices(): Promise<OwnDevice[]>;
  renameDevice(device: string, name: string): Promise<void>;
  /** Removes a device of this account: it loses its mailbox and can no longer read anything. */
  revokeDevice(device: string): Promise<void>;
  /** Starts the account over under a new account key: every contact sees a safety-number change. */
  replaceAccountKey(): Promise<void>;
}

export interface FileTransfer {
  readonly direction: 'upload' | 'download';
  readonly done: number;
  readonly total: number;
}

const TYPING_SHOWN_MS = 6000;
const NO_NOTICES: LogNoticesRecord = { warnings: [], alerts: [] };

/**
 * The chat as Solid state: follows the signed-in account, opens its engine and mirrors the
 * engine's events into stores the screens read. The engine persists before it tells, so this
 * state never shows what a reload would lose.
 */
export function createChat(account: Accessor<AccountView | null>, services: ChatServices): Chat {
  const [status, setStatus] = createSignal<ChatStatus>('signed-out');
  const [connection, setConnection] = createSignal<ConnectionState | null>(null);
  const [trustState, setTrustState] = createSignal<OwnTrustState | null>(null);
  const [devicesWaitingNow, setDevicesWaitingNow] = createSignal<readonly string[]>([]);
  const [logNotices, setLogNotices] = createSignal<LogNoticesRecord>(NO_NOTICES);
  const [trustedLog, setTrustedLog] = createSignal<TrustedLogSummary | null>(null);
  const [conversationMap, setConversationMap] = createStore<Record<string, ConversationRecord>>({});
  const [messageMap, setMessageMap] = createStore<Record<string, MessageRecord[]>>({});
  const [contactMap, setContactMap] = createStore<Record<string, ContactRecord>>({});
  const [typingMap, setTypingMap] = createStore<Record<string, number>>({});
  const [transferMap, setTransferMap] = createStore<Record<string, FileTransfer>>({});
  const [clock, setClock] = createSignal(Date.now());
  const loading = new Set<string>();
  let engine: ChatEngine | null = null;
  /** Counts closes, so an open that a close overtook knows its failure is no news. */
  let generation = 0;

  const ticker = setInterval(() => setClock(Date.now()), 2000);
  // Disappearing messages go on time even while nothing else happens.
  const sweeper = setInterval(() => {
    engine?.sweepExpired().catch(() => undefined);
  }, 10_000);
  onCleanup(() => {
    clearInterval(sweeper);
  });
  onCleanup(() => {
    clearInterval(ticker);
  });

  const requireEngine = (): ChatEngine => {
    if (engine === null) throw new Error('the chat is not open');
    return engine;
  };

  const findMessage = (id: string): MessageRecord | undefined => {
    for (const list of Object.values(messageMap)) {
      const found = list.find((m) => m.id === id);
      if (found !== undefined) return found;
    }
    return undefined;
  };
  const fileActions = createChatFileActions(requireEngine, findMessage, services);

  function apply(event: ChatEvent): void {
    switch (event.kind) {
      case 'conversation': {
        const { id, unread } = event.conversation;
        const before = conversationMap[id]?.unread ?? 0;
        setConversationMap(id, reconcile(event.conversation));
        if (before > 0 && unread === 0) services.dismissNotification?.(id);
        return;
      }
      case 'message': {
        const { message } = event;
        const known = messageMap[message.conversation];
        if (known === undefined) return; // loaded when opened
        const at = known.findIndex((existing) => existing.id === message.id);
        if (at >= 0) {
          // Merged in place: the bubble showing it stays mounted (a viewer or download it
          // started keeps going) and only what changed is redrawn.
          setMessageMap(message.conversation, at, reconcile(message));
          return;
        }
        setMessageMap(
          produce((all) => {
            const list = all[message.conversation];
            if (list !== undefined) insertMessage(list, message);
          }),
        );
        return;
      }
      case 'message-deleted':
        if (messageMap[event.conversation] === undefined) return;
        setMessageMap(event.conversation, (list) => list.filter((m) => m.id !== event.id));
        return;
      case 'incoming':
        services.notify(
          event.message.author,
          event.conversation.group?.name ?? null,
          event.message.text,
          event.conversation.id,
        );
        return;
      case 'typing':
        setTypingMap(event.conversation, event.typing ? Date.now() + TYPING_SHOWN_MS : 0);
        return;
      case 'contact':
        setContactMap(event.contact.id, reconcile(event.contact));
        return;
      case 'connection':
        setConnection(event.state);
        if (event.state === 'connected') services.onConnected?.();
        return;
      case 'caught-up':
        return;
      case 'trust':
        setTrustState(event.state);
        return;
      case 'devices-waiting':
        setDevicesWaitingNow(event.devices);
        return;
      case 'log-alert':
        return; // told again as `log-notices`, with what is kept
      case 'log-notices':
        setLogNotices(event.notices);
        return;
      case 'log-trusted':
        setTrustedLog(event.trusted);
        return;
      case 'transfer':
        setTransferMap(event.message, {
          direction: event.direction,
          done: event.done,
          total: event.total,
        });
        return;
    }
  }

  async function open(current: AccountView): Promise<void> {
    const opening = generation;
    setStatus('opening');
    try {
      const opened = await services.openEngine(current);
      if (opened === null) {
        if (opening === generation) setStatus('locked');
        return;
      }
      // Closed or reopened while it opened (a sign-out, a key that arrived): a newer open owns
      // the chat now, and two engines on one store would each think the other's loads stale.
      if (opening !== generation || account()?.id !== current.id) {
        opened.stop();
        return;
      }
      engine = opened;
      opened.subscribe(apply);
      setTrustState(opened.trustState());
      const log = await opened.logStatus();
      batch(() => {
        setLogNotices(log.notices);
        setTrustedLog(log.trusted);
      });
      const conversations = await opened.listConversations();
      batch(() => {
        for (const conversation of conversations) setConversationMap(conversation.id, conversation);
      });
      // A group's members' keys matter as a person's do: their changes are shown in the group.
      const contactIds = new Set(
        conversations.flatMap((conversation) =>
          conversation.group === null
            ? [conversation.id]
            : conversation.group.members.map(handleKey),
        ),
      );
      for (const id of contactIds) {
        const contact = await opened.loadContact(id);
        if (contact !== undefined) setContactMap(contact.id, contact);
      }
      await opened.sweepExpired();
      await opened.start();
      setStatus('ready');
    } catch (error) {
      // Closed while it opened (a sign-out): stopping the chat closed its store under it.
      if (opening !== generation) return;
      console.error('chat could not open', error);
      setStatus('unavailable');
    }
  }

  function close(): void {
    generation += 1;
    engine?.stop();
    engine = null;
    loading.clear();
    batch(() => {
      setConversationMap(reconcile({}));
      setMessageMap(reconcile({}));
      setContactMap(reconcile({}));
      setTypingMap(reconcile({}));
      setConnection(null);
      setTrustState(null);
      setDevicesWaitingNow([]);
      setLogNotices(NO_NOTICES);
      setTrustedLog(null);
      setStatus('signed-out');
    });
  }

  createEffect(
    on([() => account()?.id ?? null, () => services.reopenRequests?.()], ([id]) => {
      close();
      const current = account();
      if (id !== null && current !== null) void open(current);
    }),
  );
  onCleanup(close);

  return {
    status,
    connection,
    conversations: () => Object.values(conversationMap).sort((a, b) => b.lastAt - a.lastAt),
    unreadTotal: () =>
      Object.values(conversationMap).reduce((sum, conversation) => sum + conversation.unread, 0),
    conversation: (id) => conversationMap[id],
    messages(id) {
      const list = messageMap[id];
      // Read so that a screen which asked while the chat was still opening (no engine yet: an
      // offline start, say, whose account was recalled meanwhile) asks again once it is open.
      status();
      if (list === undefined && engine !== null && !loading.has(id)) {
        loading.add(id);
        const from = engine;
        void from.listMessages(id).then((messages) => {
          if (engine === from) setMessageMap(id, messages);
        });
      }
      return list ?? [];
    },
    contact: (id) => contactMap[id],
    typing: (id) => (typingMap[id] ?? 0) > clock(),
    startConversation: (handle) => requireEngine().startConversation(handle),
    createGroup: (name, handles) => requireEngine().createGroup(name, handles),
    renameGroup: (conversation, name) => requireEngine().renameGroup(conversation, name),
    addMembers: (conversation, handles) => requireEngine().addMembers(conversation, handles),
    removeMember: (conversation, handle) => requireEngine().removeMember(conversation, handle),
    leaveGroup: (conversation) => requireEngine().leaveGroup(conversation),
    async send(conversation, text, replyTo = null) {
      await requireEngine().sendText(conversation, text, replyTo);
    },
    ...fileActions,
    transfer: (message) => transferMap[message],
    async retry(message) {
      await requireEngine().retry(message);
    },
    saveDraft: (conversation, draft) => requireEngine().saveDraft(conversation, draft),
    setTimer: (conversation, seconds) => requireEngine().setTimer(conversation, seconds),
    react: (message, emoji) => requireEngine().react(message, emoji),
    markRead: (conversation) => requireEngine().markRead(conversation),
    setTyping(conversation, typing) {
      engine?.sendTyping(conversation, typing).catch(() => undefined);
    },
    safetyNumber: (conversation) => requireEngine().safetyNumber(conversation),
    trustState,
    devicesWaitingNow,
    logNotices,
    trustedLog,
    dismissLogAlert: (id) => requireEngine().dismissLogAlert(id),
    compareRelayCheckpoint: (note) => requireEngine().compareRelayCheckpoint(note),
    linkCode: () => requireEngine().linkCode(),
    devicesWaiting: () => requireEngine().devicesWaiting(),
    approveDevice: (device, code) => requireEngine().approveDevice(device, code),
    listOwnDevices: () => requireEngine().listOwnDevices(),
    renameDevice: (device, name) => requireEngine().renameDevice(device, name),
    revokeDevice: (device) => requireEngine().revokeDevice(device),
    replaceAccountKey: () => requireEngine().replaceAccountKey(),
    setVerified: (conversation, verified) => requireEngine().setVerified(conversation, verified),
    acknowledgeKeyChange: (conversation) => requireEngine().acknowledgeKeyChange(conversation),
  };
}
