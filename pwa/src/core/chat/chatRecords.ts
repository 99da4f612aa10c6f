import { handleKey } from '@vaultroom/shared';
import { decode, encode } from 'cborg';
import type { AttachmentRecord } from './attachmentRecord.js';

/**
 * An outgoing message on its way out: one record per message from the moment it is written
 * until the relay holds it or refuses it for good, after Hydrogen's PendingEvent.
 * - `needs-upload`: a file, encrypted on this device, whose blob is not (all) at the relay yet;
 *   the upload resumes from the relay's offset on each connection, then the stage is `needs-keys`.
 * - `needs-keys`: written here, not yet encrypted: the recipients' device keys are not known yet,
 *   or a verified contact's keys changed and the person has not confirmed.
 * - `encrypted`: encrypted for every recipient device and handed to the delivery client's outbox
 *   in the same transaction; the outbox puts it on the wire and resends it under the same id
 *   until the relay answers (its own `queued` and `sending` are moments of this stage).
 * Then the message is `sent` or `failed` (its MessageState) and the record is gone.
 */
export type SendStage = 'needs-upload' | 'needs-keys' | 'encrypted';

export interface PendingSend {
  /** The message's id. */
  readonly id: string;
  readonly stage: SendStage;
  /** When it was written (ms): pending sends go out in this order. */
  readonly since: number;
}

/**
 * `queued`: written, on its way out (a PendingSend holds its stage). `sent`: the relay holds it. `delivered`: a
 * device of the recipient stored it. `read`: the recipient saw it. `failed`: refused for good.
 * Incoming messages are `delivered` until this person has seen them, then `read`.
 */
export type MessageState = 'queued' | 'sent' | 'delivered' | 'read' | 'failed';

const STATE_RANK: Record<MessageState, number> = {
  queued: 0,
  failed: 0,
  sent: 1,
  delivered: 2,
  read: 3,
};

/** Receipts may arrive out of order or twice: a state only moves forward. */
export function laterState(current: MessageState, next: MessageState): MessageState {
  if (next === 'failed') return current === 'queued' ? 'failed' : current;
  return STATE_RANK[next] > STATE_RANK[current] ? next : current;
}

/** The relay's refusals that mean "later, once the recipients catch up" (PROTOCOL.md §2.6). */
export type SendWaiting = 'QUOTA_EXCEEDED' | 'SLOW_DOWN';

/** The reason a send went back to `queued` that the app shows, or null for any other. */
export function waitingReason(code: string | undefined): SendWaiting | null {
  return code === 'QUOTA_EXCEEDED' || code === 'SLOW_DOWN' ? code : null;
}

export interface MessageRecord {
  /** The 16-byte message id, hex: the same in the content and in the relay's `send`. */
  readonly id: string;
  readonly conversation: string;
  /** Sort key within the conversation: when this device first saw it, then the id. */
  readonly sortKey: string;
  readonly outgoing: boolean;
  /** Handle of whoever wrote it. */
  readonly author: string;
  readonly text: string;
  /** The author's clock (ms). */
  readonly sentAt: number;
  readonly state: MessageState;
  /** Why it failed (an error code), or null. */
  readonly failure: string | null;
  /**
   * Outgoing, still `queued`: the relay's last answer was that it cannot take it yet because a
   * recipient's mailbox or the sender's account holds its quota of undelivered bytes
   * (`QUOTA_EXCEEDED`) or a connected recipient device is too far behind (`SLOW_DOWN`), so the
   * app can say why it waits. Null otherwise.
   */
  readonly waiting: SendWaiting | null;
  /** Incoming: the device it came from, to send receipts back to. */
  readonly fromDevice: string | null;
  /** Disappearing messages: deleted from this device at this time (ms), or kept. */
  readonly expiresAt: number | null;
  /** The conversation's timer when the message was written or received (0 = kept). */
  readonly timerSeconds: number;
  /** Handle → emoji: one reaction per person. */
  readonly reactions: Readonly<Record<string, string>>;
  /** The message this one answers (its id), or null. */
  readonly replyTo: string | null;
  /** A line about the conversation rather than a message (a timer or group change), or null. */
  readonly notice: ConversationNoticeRecord | null;
  /** Outgoing group messages: each member's receipt so far (handle key → state). */
  readonly receipts: Readonly<Record<string, 'delivered' | 'read'>>;
  /** A file (its caption is `text`), or null for a text message. */
  readonly attachment: AttachmentRecord | null;
}

/** What changed, for the line the conversation shows; `author` of the message made the change. */
export type ConversationNoticeRecord =
  | { readonly kind: 'timer'; readonly seconds: number }
  /** The author's account key changed: their safety number with this person changed. */
  | { readonly kind: 'key-change' }
  /** The relay served two different lists under one version for the author (equivocation). */
  | { readonly kind: 'device-list-conflict' }
  /** The relay served keys for the author that it could not prove in the audit log: refused. */
  | { readonly kind: 'key-not-logged' }
  | {
      readonly kind: 'group';
      readonly change: GroupChange;
      /** Handles the change is about (added, removed), as spelled in the group. */
      readonly subjects: readonly string[];
      /** The group's name after the change. */
      readonly name: string;
    };

/** `no-account`: a member this device found had no account, so is left out (subjects: that one). */
export type GroupChange = 'created' | 'renamed' | 'added' | 'removed' | 'left' | 'no-account';

/** A group's state as this device holds it (PROTOCOL.md §1.8.2, `group`). */
export interface GroupState {
  /** 16 bytes, hex. */
  readonly groupId: string;
  readonly name: string;
  /** Members' handles as their owners spell them, this person included while a member. */
  readonly members: readonly string[];
  /** The author's clock when this state was set, and the author (handle key): newest wins. */
  readonly revision: number;
  readonly author: string;
  /** This person left or was removed: the group is kept, read-only. */
  readonly left: boolean;
  /**
   * Members (handle keys) this device found had no account: nothing is sent to them, whoever
   * signs up under the handle later (groupMembersWithoutAccount.ts). Absent in older records.
   */
  readonly withoutAccount?: readonly string[];
}

export interface ConversationRecord {
  /**
   * The other person's handle, lower-case: one conversation per person. A group's id is `_` and
   * its group id in hex, which no handle can be (handles start with a letter).
   */
  readonly id: string;
  /** Their handle as the relay spells it; a group's name. */
  readonly peer: string;
  readonly lastText: string | null;
  readonly lastOutgoing: boolean;
  /** Who wrote the last message (shown in a group's preview), or null. */
  readonly lastAuthor: string | null;
  readonly lastAt: number;
  readonly unread: number;
  readonly draft: string;
  readonly createdAt: number;
  /** Disappearing messages after this many seconds; 0 = kept. */
  readonly timerSeconds: number;
  /** The group this conversation is, or null for a conversation with one person. */
  readonly group: GroupState | null;
}

/** A device's identity keys as its account key certified them (PROTOCOL.md §1.15.2), hex. */
export interface CertifiedDevice {
  readonly signingKey: string;
  readonly dhKey: string;
  /** The certificate's hash, as the list names it: a newer list signed here names it again. */
  readonly hash: string;
}

/**
 * What this device knows of an account (a person's, or this account's own: id `me`): the account
 * key it pinned, the newest signed device list it accepted and the devices that list certifies
 * (PROTOCOL.md §1.15.6), and whether the person verified the account key.
 */
export interface ContactRecord {
  readonly id: string;
  readonly handle: string;
  /**
   * Device id → Ed25519 identity key (hex) of the devices to encrypt to: certified by the
   * accepted list, with a bundle or session under exactly the certified keys (§1.15.6 rule 4).
   */
  readonly devices: Readonly<Record<string, string>>;
  /** The account key (hex) the person compared safety numbers for, or null. */
  readonly verifiedKeys: string | null;
  /** Set when the account key changed and the person has not acknowledged it yet (ms). */
  readonly keyChangedAt: number | null;
  /** When the device list was last fetched from the relay (ms). */
  readonly refreshedAt: number;
  /** The pinned account key (hex): trusted on first use for others, never from the relay for oneself. */
  readonly accountKey: string | null;
  /** Another account key the relay serves for this handle, not accepted (a key change), or null. */
  readonly offeredAccountKey: string | null;
  /** The highest device-list version accepted (0: none yet) and that list's bytes. */
  readonly listVersion: number;
  readonly list: Uint8Array | null;
  /** The devices the accepted list certifies. */
  readonly certified: Readonly<Record<string, CertifiedDevice>>;
  /** A hash (hex) of the last list refused as equivocation, so it is told once. */
  readonly conflictingList: string | null;
  /**
   * A hash (hex) of the last list refused because the relay could not prove it and its keys in
   * the audit log (§1.15.6 rule 7), so it is told once.
   */
  readonly unloggedList: string | null;
}

/**
 * A contact as stored. Records written before account keys (no `listVersion`) held in
 * `verifiedKeys` the device keys a person compared in the device-set safety number (§1.10); that
 * number is gone, and a verification of device keys says nothing about an account key the relay
 * may have made, so it is dropped: the person compares the new number once.
 */
type TrustFields =
  | 'accountKey'
  | 'offeredAccountKey'
  | 'listVersion'
  | 'list'
  | 'certified'
  | 'conflictingList'
  | 'unloggedList';
export type StoredContact = Omit<ContactRecord, TrustFields> &
  Partial<Pick<ContactRecord, TrustFields>>;

export function normalizeContact(stored: StoredContact): ContactRecord {
  const before = stored.listVersion === undefined;
  return {
    ...stored,
    // Devices were trusted on first use then: none is certified until a list says so.
    devices: before ? {} : stored.devices,
    verifiedKeys: before ? null : stored.verifiedKeys,
    keyChangedAt: before ? null : stored.keyChangedAt,
    refreshedAt: before ? 0 : stored.refreshedAt,
    accountKey: stored.accountKey ?? null,
    offeredAccountKey: stored.offeredAccountKey ?? null,
    listVersion: stored.listVersion ?? 0,
    list: stored.list ?? null,
    certified: stored.certified ?? {},
    conflictingList: stored.conflictingList ?? null,
    unloggedList: stored.unloggedList ?? null,
  };
}

/**
 * The audit log as this device trusts it (PROTOCOL.md §3.9): the newest checkpoint it verified,
 * proven to extend every earlier one, and where its monitoring of its own account stands.
 */
export interface LogViewRecord {
  readonly size: number;
  readonly rootHash: Uint8Array;
  /** The log's verifier key, trusted on first use: another one is never accepted silently. */
  readonly verifierKey: string;
  /** The tree's right edge after the leaves monitored so far, or null before monitoring. */
  readonly monitored: { readonly size: number; readonly edge: readonly Uint8Array[] } | null;
  /** This account's devices whose identity keys the monitored leaves logged. */
  readonly loggedDevices: readonly string[];
  /** The size monitoring started at: 0 when it read the whole log, so every device is known. */
  readonly monitoredFrom: number | null;
  /** The checkpoint's signed note, told to contacts (§1.8.3); absent in records made before. */
  readonly note?: string | null;
  /** The verifier key is the one the invite link pinned, not one taken on first use. */
  readonly pinned?: boolean;
}

/** This account's account key as this device keeps it (PROTOCOL.md §1.15.1). */
export interface AccountKeyRecord {
  readonly publicKey: Uint8Array;
  /** libsodium layout (seed ‖ public key). */
  readonly secretKey: Uint8Array;
  /**
   * The highest list version this device signed, stored before the list is published: a list
   * is never signed twice with one version, even if its publication failed (§1.15.3).
   */
  readonly signedVersion: number;
}

/** This browser's device: its id at the relay and its encoded key records (§1.4). */
export interface DeviceRecord {
  readonly device: string | null;
  readonly name: string;
  readonly identity: Uint8Array;
  readonly signedPrekey: Uint8Array;
  readonly pqPrekey: Uint8Array;
  /** Next one-time prekey id to generate. */
  readonly nextOneTimePrekeyId: number;
  /** One-time prekeys generated but not yet uploaded: uploaded after registration. */
  readonly uploaded: boolean;
  /**
   * False from a rotation (prekeyRotation.ts) until the relay has the new signed and X-Wing
   * prekeys; absent in records from before rotation, which were uploaded with the rest.
   */
  readonly rotatedUploaded?: boolean;
}

/**
 * Records are CBOR (maps, strings, numbers, byte strings, null). They come only from this
 * device's own store, authenticated by the storage seal, so decoding trusts their shape.
 */
/**
 * A contact under a newly pinned account key: nothing of the old key's list, certificates or
 * devices carries over, and the new key's list is fetched afresh.
 */
export function pinAccountKey(contact: ContactRecord, accountKey: string): ContactRecord {
  return {
    ...contact,
    accountKey,
    offeredAccountKey: null,
    listVersion: 0,
    list: null,
    certified: {},
    devices: {},
    refreshedAt: 0,
  };
}

export function encodeRecord(record: object): Uint8Array {
  return encode(record);
}

type Added<T, K extends keyof T> = Omit<T, K> & Partial<Pick<T, K>>;
export type StoredMessage = Added<
  MessageRecord,
  | 'expiresAt'
  | 'timerSeconds'
  | 'reactions'
  | 'notice'
  | 'replyTo'
  | 'receipts'
  | 'waiting'
  | 'attachment'
> & {
  /** Written before pending sends had their own record: their stage is now a PendingSend. */
  readonly awaitingKeys?: boolean;
};
export type StoredConversation = Added<ConversationRecord, 'timerSeconds' | 'group' | 'lastAuthor'>;

/** Records written before a field existed read as its neutral value. */
export function normalizeMessage(stored: StoredMessage): MessageRecord {
  // eslint-disable-next-line @typescript-eslint/no-unused-vars -- dropped: a PendingSend holds it now
  const { awaitingKeys, ...record } = stored;
  return {
    ...record,
    expiresAt: record.expiresAt ?? null,
    timerSeconds: record.timerSeconds ?? 0,
    reactions: record.reactions ?? {},
    notice: record.notice ?? null,
    replyTo: record.replyTo ?? null,
    receipts: record.receipts ?? {},
    waiting: record.waiting ?? null,
    attachment: record.attachment ?? null,
  };
}

export function normalizeConversation(record: StoredConversation): ConversationRecord {
  return {
    ...record,
    timerSeconds: record.timerSeconds ?? 0,
    group: record.group ?? null,
    lastAuthor: record.lastAuthor ?? null,
  };
}

const GROUP_PREFIX = '_';

/** The conversation id of a group (hex group id). */
export const groupConversationId = (groupId: string): string => `${GROUP_PREFIX}${groupId}`;

/** The members other than this person (by handle key), as spelled. */
export function otherMembers(group: GroupState, me: string): string[] {
  return group.members.filter((member) => handleKey(member) !== me);
}

export function isMember(group: GroupState, handle: string): boolean {
  const key = handleKey(handle);
  return group.members.some((member) => handleKey(member) === key);
}

/** Whether `next` replaces `current`: a later revision, ties broken by the greater author. */
export function isNewerGroupState(
  next: { readonly revision: number; readonly author: string },
  current: GroupState,
): boolean {
  if (next.revision !== current.revision) return next.revision > current.revision;
  return next.author > current.author;
}

// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- the caller names the record type it stored under that key
export function decodeRecord<T extends object>(bytes: Uint8Array): T {
  return decode(bytes) as T;
}

/** Keys sort as strings: pad the time so that order is time order. */
export function sortKeyOf(at: number, id: string): string {
  return `${String(at).padStart(15, '0')}-${id}`;
}

/** The chat engine's ids of people and one-to-one conversations are handle keys. */
export { handleKey };

/** Whether the person compared safety numbers for the account key pinned now. */
export function isVerified(contact: ContactRecord): boolean {
  return contact.verifiedKeys !== null && contact.verifiedKeys === contact.accountKey;
}
