import type {
  ConnectionState,
  DeliveryClient,
  Envelope,
  OutboxStore,
} from '@vaultroom/shared/client';
import type { SafetyNumber, Sodium } from '@vaultroom/shared/crypto';
import type { ContactRecord, ConversationRecord, MessageRecord } from './chatRecords.js';
import type { SealedStore } from './SealedStore.js';

/** What the chat needs of the delivery client (`@vaultroom/shared/client`). */
export type ChatTransport = Pick<
  DeliveryClient,
  | 'state'
  | 'subscribe'
  | 'registerDevice'
  | 'uploadPrekeys'
  | 'fetchBundles'
  | 'lookupDevices'
  | 'send'
  | 'subscribeSends'
  | 'close'
>;

export interface ChatTransportHandlers {
  readonly device: string | null;
  readonly outbox: OutboxStore;
  readonly onEnvelope: (envelope: Envelope) => Promise<void>;
  readonly onPrekeysLow: (remaining: number) => void;
  readonly onQueueEmpty: () => void;
}

export type ChatEvent =
  | { readonly kind: 'conversation'; readonly conversation: ConversationRecord }
  | { readonly kind: 'message'; readonly message: MessageRecord }
  /** A disappearing message's time was up: it is gone from this device. */
  | { readonly kind: 'message-deleted'; readonly conversation: string; readonly id: string }
  /** A new message from someone else: for notifications. */
  | {
      readonly kind: 'incoming';
      readonly message: MessageRecord;
      readonly conversation: ConversationRecord;
    }
  | { readonly kind: 'typing'; readonly conversation: string; readonly typing: boolean }
  | { readonly kind: 'contact'; readonly contact: ContactRecord }
  | { readonly kind: 'connection'; readonly state: ConnectionState }
  /** Everything the relay held for this device has been handled. */
  | { readonly kind: 'caught-up' };

/** Something that went wrong without being the person's doing: logged, never thrown at them. */
export type ChatIssue =
  | { readonly kind: 'undecryptable'; readonly fromDevice: string; readonly code: string }
  | { readonly kind: 'unknown-sender'; readonly fromDevice: string }
  | { readonly kind: 'task-failed'; readonly task: string; readonly error: unknown };

export interface ChatEngineOptions {
  readonly sodium: Sodium;
  readonly store: SealedStore;
  /** The signed-in account's handle. */
  readonly handle: string;
  /** Name this device registers under (e.g. "Chrome on Linux"). */
  readonly deviceName: string;
  readonly connect: (handlers: ChatTransportHandlers) => ChatTransport;
  readonly now: () => number;
  readonly onIssue?: (issue: ChatIssue) => void;
}

export interface ChatEngine {
  /** Opens (or creates) this device's keys and connects; resolves once both are under way. */
  start(): Promise<void>;
  subscribe(listener: (event: ChatEvent) => void): () => void;
  connectionState(): ConnectionState;
  listConversations(): Promise<ConversationRecord[]>;
  listMessages(conversation: string): Promise<MessageRecord[]>;
  loadContact(conversation: string): Promise<ContactRecord | undefined>;
  /** Finds the person at the relay (needs a connection) and opens a conversation with them. */
  startConversation(handle: string): Promise<ConversationRecord>;
  /** Creates a group with these people (needs a connection) and tells each of them. */
  createGroup(name: string, handles: readonly string[]): Promise<ConversationRecord>;
  renameGroup(conversation: string, name: string): Promise<void>;
  addMembers(conversation: string, handles: readonly string[]): Promise<void>;
  removeMember(conversation: string, handle: string): Promise<void>;
  /** Leaves the group: the others are told, and the conversation stays here, read-only. */
  leaveGroup(conversation: string): Promise<void>;
  /**
   * Writes the message locally at once; it goes out as soon as keys and a connection allow.
   * `replyTo`: the id of a message of this conversation that this one answers.
   */
  sendText(conversation: string, text: string, replyTo?: string | null): Promise<MessageRecord>;
  /** Sends a failed message again, under a new id. */
  retry(message: string): Promise<MessageRecord>;
  saveDraft(conversation: string, draft: string): Promise<void>;
  /** Disappearing messages for this conversation, told to the other side; 0 turns them off. */
  setTimer(conversation: string, seconds: number): Promise<void>;
  /** Reacts to a message with an emoji, or takes the reaction back with ''. */
  react(message: string, emoji: string): Promise<void>;
  /** Deletes the disappearing messages whose time is up. */
  sweepExpired(): Promise<void>;
  /** The person has seen the conversation: reset unread and tell the sender's devices. */
  markRead(conversation: string): Promise<void>;
  sendTyping(conversation: string, typing: boolean): Promise<void>;
  safetyNumber(conversation: string): Promise<SafetyNumber>;
  /** Records that the person compared safety numbers (or takes it back). */
  setVerified(conversation: string, verified: boolean): Promise<void>;
  /** The person saw the key-change notice; sending resumes (unverified until compared again). */
  acknowledgeKeyChange(conversation: string): Promise<void>;
  /**
   * Resolves once every operation queued so far, and every one they queued in turn (a message's
   * dispatch, the outbox's news, envelopes received meanwhile), has finished.
   */
  whenIdle(): Promise<void>;
  stop(): void;
}
