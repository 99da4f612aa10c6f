import type {
  ConnectionState,
  DeliveryClient,
  Envelope,
  OutboxStore,
} from '@vaultroom/shared/client';
import type { SafetyNumber, Sodium } from '@vaultroom/shared/crypto';
import type { ContactRecord, ConversationRecord, MessageRecord } from './chatRecords.js';
import type { SealedStore } from './SealedStore.js';
import type { LocalFiles } from '../files/LocalFiles.js';
import type { Fetch } from '../files/tusRequests.js';
import type { PlaintextFile } from '../files/createAttachmentSource.js';
import type { OpenedAttachment } from './attachmentRead.js';
import type { LogNoticesRecord } from './logNotices.js';
import type { CheckpointComparison } from './compareCheckpoint.js';
import type { TrustedLogSummary } from './trustedLog.js';

/** What the chat needs of the delivery client (`@vaultroom/shared/client`). */
export type ChatTransport = Pick<
  DeliveryClient,
  | 'state'
  | 'subscribe'
  | 'registerDevice'
  | 'uploadPrekeys'
  | 'fetchBundles'
  | 'listDevices'
  | 'lookupDevices'
  | 'renameDevice'
  | 'revokeDevice'
  | 'send'
  | 'subscribeSends'
  | 'publishTrust'
  | 'fetchTrust'
  | 'storeSealedKey'
  | 'fetchSealedKey'
  | 'proveKeys'
  | 'fetchLog'
  | 'close'
>;

export interface ChatTransportHandlers {
  readonly device: string | null;
  readonly outbox: OutboxStore;
  readonly onEnvelope: (envelope: Envelope) => Promise<void>;
  readonly onPrekeysLow: (remaining: number) => void;
  readonly onQueueEmpty: () => void;
  /** The relay says an account's (handle's) trust objects changed (§2.9 `trust-changed`). */
  readonly onTrustChanged: (account: string) => void;
}

/**
 * Where this device stands in its own account (PROTOCOL.md §1.15.6 rule 1):
 * - `unknown`: not checked yet (no connection so far);
 * - `certified`: it holds the account key and the accepted list names it;
 * - `waiting-for-approval`: it has no account key (no sealed key for its passkey): an existing
 *   device must approve it (§1.15.7); it still receives, but contacts refuse what it sends;
 * - `key-changed`: the relay serves another account key for this handle than the one this device
 *   holds or opened: shown, never accepted.
 */
export type OwnTrustState = 'unknown' | 'certified' | 'waiting-for-approval' | 'key-changed';

/** The PRF output of the session's passkey under the account-key salt (§1.15.5). */
export interface AccountKeySecret {
  /** The passkey's credential id, base64url. */
  readonly credential: string;
  /** 32 bytes; never leaves the device. */
  readonly prfOutput: Uint8Array;
}

/** A device of this account that its account key does not certify (yet). */
export interface WaitingDevice {
  readonly device: string;
}

/** A device of this account as the relay lists it, and whether its account key certifies it. */
export interface OwnDevice {
  readonly device: string;
  readonly name: string;
  /** Milliseconds since the epoch, as the relay recorded them. */
  readonly createdAt: number;
  readonly lastSeenAt: number | null;
  /** This device. */
  readonly current: boolean;
  /**
   * The account's accepted list certifies it under the keys the relay serves for it; null for
   * another device, seen from a device without the account key: it cannot tell.
   */
  readonly approved: boolean | null;
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
  | { readonly kind: 'caught-up' }
  /** This device's standing in its own account changed. */
  | { readonly kind: 'trust'; readonly state: OwnTrustState }
  /**
   * Devices the relay lists for this account that its key does not certify: a device being
   * linked, or one someone else added. Told whenever this account's devices are fetched.
   */
  | { readonly kind: 'devices-waiting'; readonly devices: readonly string[] }
  /**
   * Monitoring this account's log entries (§3.9) found one its account key did not make
   * (`entry` is its kind), or a device of the account the relay never logged
   * (`unlogged-device`): someone added keys to the account behind its back.
   */
  | {
      readonly kind: 'log-alert';
      readonly id: string;
      readonly entry: string;
      readonly device: string | null;
    }
  /**
   * What this device keeps of the log's troubles changed: a warning that the relay showed it,
   * or a contact's device, another log (§1.8.3), or a monitoring finding seen or dismissed.
   */
  | { readonly kind: 'log-notices'; readonly notices: LogNoticesRecord }
  /** The checkpoint this device trusts was stored (grown, or monitored further). */
  | { readonly kind: 'log-trusted'; readonly trusted: TrustedLogSummary }
  /** A file's upload or download moved on: `done` of `total` ciphertext bytes. */
  | {
      readonly kind: 'transfer';
      readonly message: string;
      readonly direction: 'upload' | 'download';
      readonly done: number;
      readonly total: number;
    };

/** A file the person chose to send. */
export interface OutgoingFile extends PlaintextFile {
  /** Its name as the system gave it; a display name only, cleaned before it is sent. */
  readonly name: string;
  /** The system's MIME type, possibly empty. */
  readonly type: string;
  /**
   * A video's size and poster, made by the caller, which holds the system's file (a player
   * needs it whole, which the engine never reads at once). Pictures are described here.
   */
  readonly poster?: PictureDescription;
}

/** What a picture looks like, for the pointer: its size and a small preview (§1.16.3). */
export interface PictureDescription {
  readonly width: number;
  readonly height: number;
  /** At most 16 KiB, or empty when none fits. */
  readonly thumbnail: Uint8Array;
}

/**
 * Decodes a picture (already stripped of metadata) and makes its preview: a canvas in the
 * browser (`pwa/src/platform`); null for bytes it cannot decode.
 */
export type DescribePicture = (
  bytes: Uint8Array,
  mimeType: string,
) => Promise<PictureDescription | null>;

export interface SentFile {
  readonly message: MessageRecord;
  /** Location, camera or other metadata was found in the photo and removed before sending. */
  readonly metadataRemoved: boolean;
}

export interface TransferOptions {
  readonly signal?: AbortSignal;
}

/** Something that went wrong without being the person's doing: logged, never thrown at them. */
export type ChatIssue =
  | { readonly kind: 'undecryptable'; readonly fromDevice: string; readonly code: string }
  | { readonly kind: 'unknown-sender'; readonly fromDevice: string }
  /** A first message refused unopened: its account failed too many in the last hour (§1.5.7). */
  | {
      readonly kind: 'first-message-refused';
      readonly fromDevice: string;
      readonly account: string;
    }
  /** Content from a device its account's accepted list does not certify: refused (§1.15.6 rule 5). */
  | { readonly kind: 'uncertified-sender'; readonly fromDevice: string; readonly account: string }
  /** Devices the relay lists for an account that its list does not certify: ignored (rule 4). */
  | {
      readonly kind: 'uncertified-devices';
      readonly account: string;
      readonly devices: readonly string[];
    }
  /**
   * Certified devices whose bundle's prekeys are older than rotation plus grace (§1.4.4): not
   * written to until they connect and publish new ones (the relay may be replaying old keys).
   */
  | {
      readonly kind: 'stale-prekeys';
      readonly account: string;
      readonly devices: readonly string[];
    }
  /** A device list refused (rule 2): stale, equivocating, or not verifying. */
  | { readonly kind: 'device-list-refused'; readonly account: string; readonly code: string }
  /**
   * The relay could not prove an account's keys in the audit log (§1.15.6 rule 7): `code` is
   * `NOT_LOGGED` (no entry) or why the proof failed; the keys are refused.
   */
  | { readonly kind: 'key-not-logged'; readonly account: string; readonly code: string }
  /** The relay's log is not the one this device verified before (a fork, rollback, new key). */
  | { readonly kind: 'log-inconsistent'; readonly code: string }
  /** A checkpoint compared with this device's is of another log (§1.8.3): kept as a warning. */
  | { readonly kind: 'log-fork'; readonly from: string | null; readonly warning: string }
  /** A contact's checkpoint that is no checkpoint of any log (malformed, forged signature). */
  | { readonly kind: 'checkpoint-refused'; readonly from: string | null; readonly code: string }
  /** A checkpoint that could not be compared now (the relay did not answer): the next one is. */
  | { readonly kind: 'checkpoint-unchecked'; readonly from: string | null; readonly code: string }
  /**
   * Monitoring found what this account did not make (§3.9): a key entry for it under another
   * key, or one of its devices the relay lists without logging it. Shown at once.
   */
  | { readonly kind: 'foreign-key-entry'; readonly entry: string; readonly device: string | null }
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
  /** The relay's id of the account: part of what a sealed account key is bound to (§1.15.5). */
  readonly accountId: string;
  /**
   * The PRF output of the passkey this session signed in with, under the account-key salt, or
   * null without one: it opens the account key sealed on the relay, and seals it there.
   */
  readonly accountKeySecret?: () => Promise<AccountKeySecret | null>;
  /**
   * A fresh user verification with the passkey, for a relay that refuses a trust change with
   * REAUTH_REQUIRED (its last verification is older than five minutes, §2.9).
   */
  readonly verifyUser?: () => Promise<void>;
  /** Attachment ciphertext on this device; memory when absent. */
  readonly files?: LocalFiles;
  /** HTTP to the relay's blob API (same origin); the global fetch when absent. */
  readonly fetch?: Fetch;
  /** Pictures' sizes and previews; without it files go without a preview. */
  readonly describePicture?: DescribePicture;
  /** Waits between upload attempts; a timer when absent. */
  readonly sleep?: (ms: number) => Promise<void>;
  /**
   * The audit log's public key from the invite link this device joined through (base64url of
   * 32 bytes), or null: the first checkpoint must be signed by it (§1.8.3).
   */
  readonly pinnedLogKey?: string | null;
}

/** The audit log as this device sees it: the trusted checkpoint and what was found. */
export interface LogStatus {
  /** Null until the device has trusted a first checkpoint. */
  readonly trusted: TrustedLogSummary | null;
  readonly notices: LogNoticesRecord;
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
  /**
   * Sends a file: a photo's metadata is removed, a preview made, the file encrypted here and kept
   * (as ciphertext) until its upload and the message are through, offline or across a reload.
   * The caption goes inside the pointer.
   */
  sendFile(conversation: string, file: OutgoingFile, caption?: string): Promise<SentFile>;
  /** Stops a file's upload: the message fails with CANCELLED and can be retried. */
  cancelUpload(message: string): Promise<void>;
  /**
   * Fetches a received file, checks it whole and keeps it here (§1.16.4); FILE_DAMAGED when it
   * was altered or cut, with nothing kept; CANCELLED when the signal aborts it. A run cut off
   * keeps its checked bytes and the next one resumes after them.
   */
  downloadAttachment(message: string, options?: TransferOptions): Promise<MessageRecord>;
  /**
   * A file kept here, its local ciphertext checked against the pointer: its plaintext is read
   * as a stream, decrypted as it goes (FILE_NOT_HERE, FILE_DAMAGED).
   */
  openAttachment(message: string): Promise<OpenedAttachment>;
  /** Sends a failed message again, under a new id. */
  retry(message: string): Promise<MessageRecord>;
  /** Removes one's own failed message here, with its kept file (UNKNOWN_MESSAGE otherwise). */
  removeFailed(message: string): Promise<void>;
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
  /**
   * The person saw the key-change notice: the new account key is pinned and sending resumes
   * (unverified until compared again).
   */
  acknowledgeKeyChange(conversation: string): Promise<void>;
  /** Where this device stands in its own account. */
  trustState(): OwnTrustState;
  /** The trusted checkpoint, the warnings and monitoring findings kept here. */
  logStatus(): Promise<LogStatus>;
  /**
   * Compares a checkpoint the relay served elsewhere (the Security screen's, a signed note) with
   * the trusted one, as a contact's is compared (§1.8.3), and trusts it if it extends it.
   */
  compareRelayCheckpoint(note: string): Promise<CheckpointComparison>;
  /** The person has read a monitoring finding: not shown again, here or after a reload. */
  dismissLogAlert(id: string): Promise<void>;
  /** Waiting for approval: the 16-character code to type on an existing device (§1.15.7). */
  linkCode(): Promise<string | null>;
  /** Devices of this account that the relay lists and the account key does not certify. */
  devicesWaiting(): Promise<WaitingDevice[]>;
  /** Every device of this account the relay lists, with names, dates and approval (needs a connection). */
  listOwnDevices(): Promise<OwnDevice[]>;
  /** Renames a device of this account at the relay. */
  renameDevice(device: string, name: string): Promise<void>;
  /**
   * Certifies a waiting device if `code` is the code it shows, publishes the list naming it and
   * sends it the account key; WRONG_CODE otherwise.
   */
  approveDevice(device: string, code: string): Promise<void>;
  /**
   * Removes a device of this account: a certified one by publishing a list without it (revoked
   * for everyone who reads it, and at the relay); a waiting one by asking the relay to revoke it.
   */
  revokeDevice(device: string): Promise<void>;
  /**
   * Starts the account over with a new account key, certifying only this device: for an account
   * whose every device and sealed key is lost. Every contact sees a safety-number change, and
   * the relay revokes the account's other devices, which the new list does not name.
   */
  replaceAccountKey(): Promise<void>;
  /**
   * Resolves once every operation queued so far, and every one they queued in turn (a message's
   * dispatch, the outbox's news, envelopes received meanwhile), has finished.
   */
  whenIdle(): Promise<void>;
  stop(): void;
}
