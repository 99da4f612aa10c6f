import {
  DeliveryError,
  type ConnectionState,
  type DeliveryClient,
  type Envelope,
  type OutboxStore,
  type SendUpdate,
} from '@vaultroom/shared/client';
import {
  computeSafetyNumber,
  decodeContent,
  decodeIdentityKeyPair,
  decodePqPrekey,
  decodePrekeyBundle,
  decodeSignedPrekey,
  encodeContent,
  encodeIdentityKeyPair,
  encodePqPrekey,
  encodeSignedPrekey,
  generateDeviceKeys,
  generateOneTimePrekeys,
  initiateSession,
  isCryptoError,
  labels,
  publicIdentity,
  receiveMessage,
  sendMessage,
  type Content,
  type IdentityKeyPair,
  type OneTimePrekeyPair,
  type SafetyNumber,
  type SentMessage,
  type Sodium,
  type TranscribedContent,
  type TranscriptDestination,
} from '@vaultroom/shared/crypto';
import { ChatError } from './ChatError.js';
import {
  fromHex,
  groupConversationId,
  handleKey,
  isMember,
  isNewerGroupState,
  keySetOf,
  laterState,
  otherMembers,
  sortKeyOf,
  toHex,
  waitingReason,
  type ContactRecord,
  type ConversationNoticeRecord,
  type ConversationRecord,
  type DeviceRecord,
  type GroupState,
  type MessageRecord,
  type MessageState,
} from './chatRecords.js';
import { createChatRepository } from './createChatRepository.js';
import { createSerialQueue } from './createSerialQueue.js';
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
  /** Writes the message locally at once; it goes out as soon as keys and a connection allow. */
  /** `replyTo`: the id of a message of this conversation that this one answers. */
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
  stop(): void;
}

const MESSAGE_ID_BYTES = 16;

/** The wire schema wants bytes over a plain ArrayBuffer. */
const copy = (bytes: Uint8Array): Uint8Array<ArrayBuffer> => Uint8Array.from(bytes);

function identityFrame(identity: IdentityKeyPair) {
  const shown = publicIdentity(identity);
  return {
    signingPublicKey: copy(shown.signingPublicKey),
    dhPublicKey: copy(shown.dhPublicKey),
    dhSignature: copy(shown.dhSignature),
  };
}

const prekeyFrame = (prekey: {
  readonly id: number;
  readonly publicKey: Uint8Array;
  readonly signature: Uint8Array;
}) => ({ id: prekey.id, publicKey: copy(prekey.publicKey), signature: copy(prekey.signature) });

const oneTimeFrame = (prekey: OneTimePrekeyPair) => ({
  id: prekey.id,
  publicKey: copy(prekey.publicKey),
});
const ONE_TIME_PREKEYS = 100;
/** How often a contact's device list is fetched again when sending (new devices, revocations). */
const REFRESH_DEVICES_MS = 60 * 60 * 1000;
/**
 * How old a device list may be when the safety number is shown. Each fetch claims one of every
 * device's one-time prekeys, so opening the panel again and again must not fetch each time.
 */
const SAFETY_REFRESH_MS = 5 * 60 * 1000;

/** One reaction per person: a new one replaces theirs, an empty one removes it. */
function withReaction(
  reactions: Readonly<Record<string, string>>,
  handle: string,
  emoji: string,
): Record<string, string> {
  const others = Object.entries(reactions).filter(([who]) => who !== handle);
  return Object.fromEntries(emoji === '' ? others : [...others, [handle, emoji]]);
}

/** Whether a verified contact's keys changed since they were compared: sending must wait. */
export function keysChangedSinceVerified(contact: ContactRecord): boolean {
  return (
    contact.verifiedKeys !== null &&
    contact.keyChangedAt !== null &&
    keySetOf(contact.devices) !== contact.verifiedKeys
  );
}

/** Handles once each (by handle key), first spelling kept, without a leading @. */
function uniqueMembers(handles: readonly string[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const raw of handles) {
    const handle = raw.trim().replace(/^@/, '');
    const key = handleKey(handle);
    if (handle === '' || seen.has(key)) continue;
    seen.add(key);
    out.push(handle);
  }
  return out;
}

/**
 * The chat on this device (framework-free): keys, conversations and messages in a SealedStore,
 * every message encrypted per recipient device with the E2E protocol before it reaches the
 * delivery client's outbox. Persist first, then tell listeners (Hydrogen's rule), so what the
 * interface shows is always on disk.
 */
export function createChatEngine(options: ChatEngineOptions): ChatEngine {
  const { sodium, now } = options;
  const repo = createChatRepository(options.store);
  const serial = createSerialQueue();
  const me = handleKey(options.handle);
  const listeners = new Set<(event: ChatEvent) => void>();
  let transport: ChatTransport | null = null;
  let device: DeviceRecord | null = null;
  let identity: IdentityKeyPair | null = null;
  const unsubscribers: (() => void)[] = [];

  // Sort keys strictly increase on this device, so messages seen in one millisecond keep the
  // order they were seen in.
  let lastStamp = 0;
  const stamp = (at: number = now()): number => {
    lastStamp = Math.max(at, lastStamp + 1);
    return lastStamp;
  };
  const emit = (event: ChatEvent): void => {
    for (const listener of listeners) listener(event);
  };
  const report = (issue: ChatIssue): void => options.onIssue?.(issue);
  const background = (task: string, run: () => Promise<unknown>): void => {
    run().catch((error: unknown) => {
      report({ kind: 'task-failed', task, error });
    });
  };
  const connected = (): boolean => transport?.state === 'connected';
  const requireTransport = (): ChatTransport => {
    if (transport === null || identity === null) throw new ChatError('NOT_STARTED');
    return transport;
  };
  const requireIdentity = (): IdentityKeyPair => {
    if (identity === null) throw new ChatError('NOT_STARTED');
    return identity;
  };

  // ---- this device ----------------------------------------------------------------------

  async function openDevice(): Promise<DeviceRecord> {
    const stored = await repo.loadDevice();
    if (stored !== undefined) return stored;
    const keys = generateDeviceKeys(sodium, { now: now(), oneTimePrekeys: ONE_TIME_PREKEYS });
    await repo.saveOneTimePrekeys(keys.oneTimePrekeys);
    const created: DeviceRecord = {
      device: null,
      name: options.deviceName,
      identity: encodeIdentityKeyPair(keys.identity),
      signedPrekey: encodeSignedPrekey(keys.signedPrekey),
      pqPrekey: encodePqPrekey(keys.pqPrekey),
      nextOneTimePrekeyId: ONE_TIME_PREKEYS + 1,
      uploaded: false,
    };
    await repo.saveDevice(created);
    return created;
  }

  /** Registers the device and publishes its prekeys, whichever of the two is not done yet. */
  async function enrol(): Promise<void> {
    const link = requireTransport();
    let current = device;
    if (current === null) return;
    if (current.device === null) {
      const registered = await link.registerDevice(current.name, identityFrame(requireIdentity()));
      current = { ...current, device: registered.device };
      await repo.saveDevice(current);
      device = current;
    }
    if (!current.uploaded) {
      const signed = decodeSignedPrekey(current.signedPrekey);
      const pq = decodePqPrekey(current.pqPrekey);
      const oneTime = await repo.listOneTimePrekeys();
      await link.uploadPrekeys({
        signedPrekey: prekeyFrame(signed),
        pqPrekey: prekeyFrame(pq),
        oneTimePrekeys: oneTime.map(oneTimeFrame),
      });
      current = { ...current, uploaded: true };
      await repo.saveDevice(current);
      device = current;
    }
  }

  async function replenishPrekeys(): Promise<void> {
    const current = device;
    if (current === null) return;
    if (current.device === null) return;
    const fresh: OneTimePrekeyPair[] = generateOneTimePrekeys(
      sodium,
      current.nextOneTimePrekeyId,
      ONE_TIME_PREKEYS,
    );
    await repo.saveOneTimePrekeys(fresh);
    const next = { ...current, nextOneTimePrekeyId: current.nextOneTimePrekeyId + fresh.length };
    await repo.saveDevice(next);
    device = next;
    await requireTransport().uploadPrekeys({
      signedPrekey: null,
      pqPrekey: null,
      oneTimePrekeys: fresh.map(oneTimeFrame),
    });
  }

  // ---- contacts and their keys -----------------------------------------------------------

  const emptyContact = (handle: string): ContactRecord => ({
    id: handleKey(handle),
    handle,
    devices: {},
    verifiedKeys: null,
    keyChangedAt: null,
    refreshedAt: 0,
  });

  async function saveContact(contact: ContactRecord): Promise<void> {
    await repo.saveContact(contact);
    emit({ kind: 'contact', contact });
  }

  /**
   * Records a device key seen for a contact. The first keys of a new contact are trusted on first
   * use; any later addition or change is a key change the person is told about (§1.10).
   */
  function withDeviceKey(contact: ContactRecord, deviceId: string, key: string): ContactRecord {
    const known = contact.devices[deviceId];
    if (known === key) return contact;
    const firstContact = Object.keys(contact.devices).length === 0;
    return {
      ...contact,
      devices: { ...contact.devices, [deviceId]: key },
      keyChangedAt: firstContact ? contact.keyChangedAt : now(),
    };
  }

  /**
   * Fetches the person's prekey bundles and starts a session with each device that has none.
   * Devices no longer listed were revoked: they are forgotten.
   */
  async function refreshDevices(contact: ContactRecord): Promise<ContactRecord> {
    const link = requireTransport();
    let bundles;
    try {
      bundles = (await link.fetchBundles(contact.handle)).bundles;
    } catch (error) {
      if (error instanceof DeliveryError && error.code === 'UNKNOWN_ACCOUNT') {
        throw new ChatError('UNKNOWN_ACCOUNT');
      }
      if (error instanceof DeliveryError && error.code === 'RATE_LIMITED') {
        throw new ChatError('RATE_LIMITED');
      }
      throw error;
    }
    const own = device?.device ?? null;
    let next: ContactRecord = { ...contact, refreshedAt: now() };
    const listed = new Set<string>();
    for (const { device: deviceId, bundle: bytes } of bundles) {
      if (deviceId === own) continue;
      const bundle = decodePrekeyBundle(bytes);
      listed.add(deviceId);
      next = withDeviceKey(next, deviceId, toHex(bundle.identity.signingPublicKey));
      await repo.saveDeviceOwner(deviceId, next.id);
      if ((await repo.sessions.loadSession(deviceId)) === undefined) {
        // initiateSession verifies the bundle's signatures before using it (§1.5).
        const session = initiateSession(sodium, requireIdentity(), bundle);
        await repo.sessions.storeSession(deviceId, session);
      }
    }
    const devices = Object.fromEntries(
      Object.entries(next.devices).filter(([deviceId]) => listed.has(deviceId)),
    );
    next = { ...next, devices };
    await saveContact(next);
    return next;
  }

  /** The devices to encrypt for, refreshing the list when it is missing or old and we can. */
  async function recipientsOf(contactId: string): Promise<ContactRecord | null> {
    const contact = (await repo.loadContact(contactId)) ?? null;
    if (contact === null) return null;
    const stale = now() - contact.refreshedAt > REFRESH_DEVICES_MS;
    if ((Object.keys(contact.devices).length === 0 || stale) && connected()) {
      return refreshDevices(contact);
    }
    return contact;
  }

  async function ownerOf(deviceId: string): Promise<string | null> {
    const known = await repo.loadDeviceOwner(deviceId);
    if (known !== undefined) return known;
    const { devices } = await requireTransport().lookupDevices([deviceId]);
    const owner = devices.find((entry) => entry.device === deviceId);
    if (owner === undefined) return null;
    const contactId = handleKey(owner.account);
    if ((await repo.loadContact(contactId)) === undefined) {
      await saveContact(emptyContact(owner.account));
    }
    await repo.saveDeviceOwner(deviceId, contactId);
    return contactId;
  }

  // ---- conversations ---------------------------------------------------------------------

  async function saveConversation(conversation: ConversationRecord): Promise<void> {
    await repo.saveConversation(conversation);
    emit({ kind: 'conversation', conversation });
  }

  async function saveMessage(message: MessageRecord): Promise<void> {
    await repo.saveMessage(message);
    emit({ kind: 'message', message });
  }

  async function requireConversation(id: string): Promise<ConversationRecord> {
    const conversation = await repo.loadConversation(id);
    if (conversation === undefined) throw new ChatError('UNKNOWN_CONVERSATION');
    return conversation;
  }

  const newConversation = (contact: ContactRecord): ConversationRecord => ({
    id: contact.id,
    peer: contact.handle,
    lastText: null,
    lastOutgoing: false,
    lastAuthor: null,
    lastAt: now(),
    unread: 0,
    draft: '',
    createdAt: now(),
    timerSeconds: 0,
    group: null,
  });

  // ---- sending ---------------------------------------------------------------------------

  /**
   * Encrypts `content` for each device of the contacts (pairwise fan-out, PROTOCOL.md §1.8.2),
   * and `copy` (if any) for this account's other devices, and hands both to the outbox as one
   * send under `msg`.
   */
  async function encryptAndQueue(
    contacts: readonly ContactRecord[],
    content: Content,
    msg: Uint8Array,
    copy: Content | null = null,
  ): Promise<void> {
    const to: { device: string; body: Uint8Array }[] = [];
    const encryptFor = async (deviceIds: readonly string[], bytes: Uint8Array) => {
      for (const deviceId of deviceIds) {
        to.push({
          device: deviceId,
          body: await sendMessage(sodium, repo.sessions, deviceId, bytes),
        });
      }
    };
    const bytes = encodeContent(content);
    for (const contact of contacts) await encryptFor(Object.keys(contact.devices), bytes);
    if (to.length === 0) throw new ChatError('NO_DEVICES');
    if (copy !== null) await encryptFor(await ownOtherDevices(), encodeContent(copy));
    await requireTransport().send(to, msg);
  }

  /**
   * This account's other devices that this one has a session with, refreshed from the relay when
   * the list is old. A failure here costs the copies, never the message.
   */
  async function ownOtherDevices(): Promise<string[]> {
    try {
      let self = (await repo.loadContact(me)) ?? emptyContact(options.handle);
      if (now() - self.refreshedAt > REFRESH_DEVICES_MS && connected()) {
        self = await refreshDevices(self);
      }
      const own = device?.device ?? null;
      const ids: string[] = [];
      for (const deviceId of Object.keys(self.devices)) {
        if (deviceId === own) continue;
        if ((await repo.sessions.loadSession(deviceId)) !== undefined) ids.push(deviceId);
      }
      return ids;
    } catch (error) {
      report({ kind: 'task-failed', task: 'copy to own devices', error });
      return [];
    }
  }

  /** A copy of what this device sent, for this account's other devices (PROTOCOL.md §1.8.2). */
  const transcriptOf = (conversation: ConversationRecord, message: TranscribedContent): Content => {
    const destination: TranscriptDestination =
      conversation.group === null
        ? { kind: 'person', handle: conversation.peer }
        : { kind: 'group', groupId: fromHex(conversation.group.groupId) };
    return { type: 'transcript', destination, message };
  };

  /**
   * A group member's record with devices to encrypt for: fetched when missing or old and the
   * relay is there. Null when none are known yet.
   */
  async function memberContact(handle: string): Promise<ContactRecord | null> {
    const contact = (await repo.loadContact(handleKey(handle))) ?? emptyContact(handle);
    const stale = now() - contact.refreshedAt > REFRESH_DEVICES_MS;
    const current =
      (Object.keys(contact.devices).length === 0 || stale) && connected()
        ? await refreshDevices(contact)
        : contact;
    return Object.keys(current.devices).length === 0 ? null : current;
  }

  /**
   * Who a conversation's messages go to, or null to wait: keys not known yet and no relay to ask.
   * With the relay there, a member with no device (deleted, never opened the app) is left out.
   */
  async function audienceOf(conversation: ConversationRecord): Promise<ContactRecord[] | null> {
    const { group } = conversation;
    if (group === null) {
      const contact = await recipientsOf(conversation.id);
      return contact === null || Object.keys(contact.devices).length === 0 ? null : [contact];
    }
    if (group.left) throw new ChatError('NOT_A_MEMBER');
    const contacts: ContactRecord[] = [];
    for (const member of otherMembers(group, me)) {
      let contact: ContactRecord | null;
      try {
        contact = await memberContact(member);
      } catch (error) {
        if (error instanceof ChatError && error.code === 'UNKNOWN_ACCOUNT') continue;
        throw error;
      }
      if (contact !== null) contacts.push(contact);
      else if (!connected()) return null;
    }
    return contacts;
  }

  const groupIdOf = (conversation: ConversationRecord): Uint8Array | null =>
    conversation.group === null ? null : fromHex(conversation.group.groupId);

  /** Moves one queued message towards the relay, if keys and the connection allow now. */
  async function dispatch(message: MessageRecord): Promise<void> {
    if (!message.awaitingKeys || message.state !== 'queued') return;
    try {
      const conversation = await requireConversation(message.conversation);
      const audience = await audienceOf(conversation);
      if (audience === null) return; // wait for keys
      if (audience.some(keysChangedSinceVerified)) return; // the person confirms first
      const fields = {
        messageId: fromHex(message.id),
        sentAt: message.sentAt,
        groupId: groupIdOf(conversation),
        text: message.text,
      };
      const content: Content =
        message.replyTo === null
          ? { type: 'text', ...fields }
          : { type: 'reply', ...fields, replyTo: fromHex(message.replyTo) };
      await encryptAndQueue(
        audience,
        content,
        fromHex(message.id),
        transcriptOf(conversation, content),
      );
    } catch (error) {
      // The outbox refused it outright (too large, signed out): it will not go by waiting.
      const code =
        error instanceof ChatError || error instanceof DeliveryError ? error.code : 'SEND_FAILED';
      await saveMessage({ ...message, awaitingKeys: false, state: 'failed', failure: code });
      await repo.removeAwaiting(message.id);
      return;
    }
    // In the outbox now: the delivery client resends it with this id until the relay has it.
    await saveMessage({ ...message, awaitingKeys: false });
    await repo.removeAwaiting(message.id);
  }

  async function dispatchAwaiting(): Promise<void> {
    for (const id of await repo.listAwaiting()) {
      const message = await repo.loadMessage(id);
      if (message === undefined) await repo.removeAwaiting(id);
      else await dispatch(message);
    }
  }

  async function applySendUpdate(update: SendUpdate): Promise<void> {
    const message = await repo.loadMessage(toHex(update.msg));
    if (!message?.outgoing) return; // a receipt or a typing notice
    let state: MessageState = message.state;
    let failure = message.failure;
    // The latest answer says why it waits; `sending` (a retry on the wire) is no answer yet, so
    // the reason stays until the relay takes it or says something else.
    let waiting = message.waiting;
    if (update.state === 'queued') waiting = waitingReason(update.code);
    if (update.state === 'sent') {
      state = laterState(state, 'sent');
      waiting = null;
    }
    if (update.state === 'failed') {
      state = laterState(state, 'failed');
      failure = update.code ?? 'SEND_FAILED';
      waiting = null;
    }
    if (state !== message.state || failure !== message.failure || waiting !== message.waiting) {
      await saveMessage({ ...message, state, failure, waiting });
    }
  }

  /** Receipts and typing notices go only to devices we already share a session with. */
  async function sendControl(deviceIds: readonly string[], content: Content): Promise<void> {
    const link = requireTransport();
    const bytes = encodeContent(content);
    const to: { device: string; body: Uint8Array }[] = [];
    for (const deviceId of deviceIds) {
      if ((await repo.sessions.loadSession(deviceId)) === undefined) continue;
      to.push({
        device: deviceId,
        body: await sendMessage(sodium, repo.sessions, deviceId, bytes),
      });
    }
    if (to.length > 0) await link.send(to);
  }

  async function sendReceipts(
    deviceIds: readonly string[],
    kind: 'delivered' | 'read',
    messageIds: readonly Uint8Array[],
  ): Promise<void> {
    if (deviceIds.length === 0) return;
    for (let i = 0; i < messageIds.length; i += labels.MAX_RECEIPT_IDS) {
      const batch = messageIds.slice(i, i + labels.MAX_RECEIPT_IDS);
      await sendControl(deviceIds, { type: 'receipt', kind, messageIds: batch });
    }
  }

  // ---- receiving -------------------------------------------------------------------------

  async function receive(envelope: Envelope): Promise<void> {
    const msg = toHex(envelope.msg);
    if (await repo.seen(envelope.from, msg)) return; // a redelivery after a lost ack
    const contactId = await ownerOf(envelope.from);
    if (contactId === null) {
      report({ kind: 'unknown-sender', fromDevice: envelope.from });
      await repo.markSeen(envelope.from, msg);
      return;
    }
    let content: Content;
    let remoteKey: Uint8Array;
    try {
      const result = await receiveMessage(
        sodium,
        { sessions: repo.sessions, prekeys: repo.prekeys },
        requireIdentity(),
        envelope.from,
        envelope.body,
      );
      remoteKey = result.remoteIdentityKey;
      content = decodeContent(result.content);
    } catch (error) {
      // A forged, replayed or corrupted envelope: nothing to show, nothing to keep. Acking it
      // stops the relay from delivering it again.
      if (!isCryptoError(error)) throw error;
      report({ kind: 'undecryptable', fromDevice: envelope.from, code: error.code });
      await repo.markSeen(envelope.from, msg);
      return;
    }
    const known = (await repo.loadContact(contactId)) ?? emptyContact(contactId);
    const contact = withDeviceKey(known, envelope.from, toHex(remoteKey));
    if (contact !== known) await saveContact(contact);

    if (contactId !== me) await handleContent(contact, envelope, content);
    else await handleOwnContent(contact, content);
    await repo.markSeen(envelope.from, msg);
  }

  async function handleContent(
    contact: ContactRecord,
    envelope: Envelope,
    content: Content,
  ): Promise<void> {
    switch (content.type) {
      case 'text':
      case 'reply': {
        const conversation = await conversationFor(contact, content.groupId);
        if (conversation === null) return;
        const id = toHex(content.messageId);
        if ((await repo.loadMessage(id)) !== undefined) return;
        const message: MessageRecord = {
          id,
          conversation: conversation.id,
          sortKey: sortKeyOf(stamp(), id),
          outgoing: false,
          author: contact.handle,
          text: content.text,
          sentAt: content.sentAt,
          state: 'delivered',
          failure: null,
          waiting: null,
          awaitingKeys: false,
          fromDevice: envelope.from,
          // Incoming messages start their timer when read (markRead).
          expiresAt: null,
          timerSeconds: conversation.timerSeconds,
          reactions: {},
          notice: null,
          replyTo: content.type === 'reply' ? toHex(content.replyTo) : null,
          receipts: {},
        };
        await saveMessage(message);
        const updated: ConversationRecord = {
          ...conversation,
          lastText: content.text,
          lastOutgoing: false,
          lastAuthor: contact.handle,
          lastAt: now(),
          unread: conversation.unread + 1,
        };
        await saveConversation(updated);
        emit({ kind: 'typing', conversation: conversation.id, typing: false });
        emit({ kind: 'incoming', message, conversation: updated });
        // To every device of the author, so the copies on their other devices advance too.
        await sendControl(Object.keys(contact.devices), {
          type: 'receipt',
          kind: 'delivered',
          messageIds: [content.messageId],
        });
        return;
      }
      case 'receipt': {
        const next: MessageState = content.kind === 'read' ? 'read' : 'delivered';
        for (const messageId of content.messageIds) {
          const message = await repo.loadMessage(toHex(messageId));
          if (!message?.outgoing) continue;
          if (message.conversation === contact.id) {
            const state = laterState(message.state, next);
            if (state !== message.state) await saveMessage({ ...message, state });
          } else {
            await applyGroupReceipt(message, contact, next);
          }
        }
        return;
      }
      case 'typing': {
        const conversation = await conversationFor(contact, content.groupId);
        if (conversation === null) return;
        emit({
          kind: 'typing',
          conversation: conversation.id,
          typing: content.state === 'started',
        });
        return;
      }
      case 'timer': {
        const conversation = await conversationFor(contact, content.groupId);
        if (conversation !== null) await applyTimer(conversation, contact.handle, content.seconds);
        return;
      }
      case 'reaction': {
        const conversation = await conversationFor(contact, content.groupId);
        if (conversation !== null) await applyReaction(conversation, contact.handle, content);
        return;
      }
      case 'group':
        await applyGroupState(contact, content);
        return;
      // A transcript counts only from this account's own devices (handleOwnContent).
      case 'transcript':
      case 'groupKeyDistribution':
      case 'control':
        return;
    }
  }

  /**
   * What this account's other devices send here: copies of what they sent, the group changes they
   * made, and which messages the person read there. Their typing is not shown.
   */
  async function handleOwnContent(self: ContactRecord, content: Content): Promise<void> {
    if (content.type === 'transcript') await applyTranscript(content);
    else if (content.type === 'group') await applyGroupState(self, content);
    else if (content.type === 'receipt' && content.kind === 'read') {
      await applyReadElsewhere(content.messageIds);
    }
  }

  /** Messages the person read on another device: read here too, unread counts follow. */
  async function applyReadElsewhere(messageIds: readonly Uint8Array[]): Promise<void> {
    const touched = new Set<string>();
    for (const messageId of messageIds) {
      const message = await repo.loadMessage(toHex(messageId));
      if (message === undefined || message.outgoing || message.state !== 'delivered') continue;
      await saveMessage(readNow(message));
      touched.add(message.conversation);
    }
    for (const id of touched) {
      const conversation = await repo.loadConversation(id);
      if (conversation === undefined) continue;
      const unread = (await repo.listMessages(id)).filter(isUnread).length;
      if (unread !== conversation.unread) await saveConversation({ ...conversation, unread });
    }
  }

  const isUnread = (message: MessageRecord): boolean =>
    !message.outgoing && message.notice === null && message.state === 'delivered';

  /** A received message marked read, its disappearing timer started from now. */
  const readNow = (message: MessageRecord): MessageRecord => ({
    ...message,
    state: 'read',
    expiresAt: message.timerSeconds > 0 ? now() + message.timerSeconds * 1000 : message.expiresAt,
  });

  /**
   * Applies what another of this account's devices sent: a message filed in its conversation, or
   * a timer or reaction the person set there.
   */
  async function applyTranscript(content: Extract<Content, { type: 'transcript' }>): Promise<void> {
    const { destination, message: copied } = content;
    // Only a message may start a conversation here; a timer or reaction needs one already.
    const opens = copied.type === 'text' || copied.type === 'reply';
    const conversation = await transcriptConversation(destination, copied.groupId, opens);
    if (conversation === null) return;
    switch (copied.type) {
      case 'text':
      case 'reply':
        await fileOwnMessage(conversation, copied);
        return;
      case 'timer':
        await applyTimer(conversation, options.handle, copied.seconds);
        return;
      case 'reaction':
        await applyReaction(conversation, options.handle, copied);
        return;
    }
  }

  /** A timer set by `author` (this account's handle when set on another of its devices). */
  async function applyTimer(
    conversation: ConversationRecord,
    author: string,
    seconds: number,
  ): Promise<void> {
    if (conversation.timerSeconds === seconds) return;
    await saveConversation({ ...conversation, timerSeconds: seconds });
    await saveNotice(conversation.id, author, handleKey(author) === me, { kind: 'timer', seconds });
  }

  /** A reaction by `author`, only on a message of this conversation (never on a notice). */
  async function applyReaction(
    conversation: ConversationRecord,
    author: string,
    reaction: Extract<Content, { type: 'reaction' }>,
  ): Promise<void> {
    const message = await repo.loadMessage(toHex(reaction.messageId));
    if (message?.conversation !== conversation.id || message.notice !== null) return;
    await saveMessage({
      ...message,
      reactions: withReaction(message.reactions, author, reaction.emoji),
    });
  }

  /**
   * The conversation a transcript names, if its content belongs there: a group this device is in
   * (with the same group id inside), or a person other than oneself (with no group id inside).
   */
  async function transcriptConversation(
    destination: TranscriptDestination,
    groupId: Uint8Array | null,
    create: boolean,
  ): Promise<ConversationRecord | null> {
    if (destination.kind === 'group') {
      const id = toHex(destination.groupId);
      const found = await repo.loadConversation(groupConversationId(id));
      const group = found?.group ?? null;
      if (found === undefined || group === null || group.left) return null;
      if (groupId === null || toHex(groupId) !== id) return null;
      return found;
    }
    const contactId = handleKey(destination.handle);
    if (contactId === me || groupId !== null) return null;
    const found = await repo.loadConversation(contactId);
    if (found !== undefined) return found;
    if (!create) return null;
    let contact = await repo.loadContact(contactId);
    if (contact === undefined) {
      contact = emptyContact(destination.handle);
      await saveContact(contact);
    }
    return newConversation(contact);
  }

  /** Files a message sent from another of this account's devices. */
  async function fileOwnMessage(
    conversation: ConversationRecord,
    sent: SentMessage,
  ): Promise<void> {
    const id = toHex(sent.messageId);
    if ((await repo.loadMessage(id)) !== undefined) return;
    const timer = conversation.timerSeconds;
    await saveMessage({
      id,
      conversation: conversation.id,
      sortKey: sortKeyOf(stamp(), id),
      outgoing: true,
      author: options.handle,
      text: sent.text,
      sentAt: sent.sentAt,
      // Receipts reach every device of the sender: they move it on from here.
      state: 'sent',
      failure: null,
      waiting: null,
      awaitingKeys: false,
      fromDevice: null,
      expiresAt: timer > 0 ? sent.sentAt + timer * 1000 : null,
      timerSeconds: timer,
      reactions: {},
      notice: null,
      replyTo: sent.type === 'reply' ? toHex(sent.replyTo) : null,
      receipts: {},
    });
    await saveConversation({
      ...conversation,
      lastText: sent.text,
      lastOutgoing: true,
      lastAuthor: options.handle,
      lastAt: now(),
    });
  }

  /**
   * The conversation a content from `contact` belongs to: theirs, or the group it names if they
   * are a member of it here. Null refuses it: a group this device does not know, has left, or
   * that the sender is not in.
   */
  async function conversationFor(
    contact: ContactRecord,
    groupId: Uint8Array | null,
  ): Promise<ConversationRecord | null> {
    if (groupId === null) {
      return (await repo.loadConversation(contact.id)) ?? newConversation(contact);
    }
    const conversation = await repo.loadConversation(groupConversationId(toHex(groupId)));
    const group = conversation?.group ?? null;
    if (conversation === undefined || group === null) return null;
    if (group.left || !isMember(group, contact.id)) return null;
    return conversation;
  }

  /** A member's receipt for a group message: delivered or read once every member says so. */
  async function applyGroupReceipt(
    message: MessageRecord,
    contact: ContactRecord,
    next: 'delivered' | 'read',
  ): Promise<void> {
    const group = (await repo.loadConversation(message.conversation))?.group ?? null;
    if (group === null || !isMember(group, contact.id)) return;
    const previous = message.receipts[contact.id];
    const mine: 'delivered' | 'read' =
      previous === 'read' || next === 'read' ? 'read' : 'delivered';
    if (previous === mine) return;
    const receipts: Record<string, 'delivered' | 'read'> = {
      ...message.receipts,
      [contact.id]: mine,
    };
    const others = otherMembers(group, me).map(handleKey);
    const overall: MessageState = others.every((member) => receipts[member] === 'read')
      ? 'read'
      : others.every((member) => receipts[member] !== undefined)
        ? 'delivered'
        : 'sent';
    await saveMessage({ ...message, receipts, state: laterState(message.state, overall) });
  }

  /** The lines a group change shows, from the state before it to the state after. */
  function groupChanges(
    before: GroupState,
    after: GroupState,
    author: string,
  ): ConversationNoticeRecord[] {
    const notice = (change: 'renamed' | 'added' | 'removed' | 'left', subjects: string[]) => ({
      kind: 'group' as const,
      change,
      subjects,
      name: after.name,
    });
    const notices: ConversationNoticeRecord[] = [];
    if (after.name !== before.name) notices.push(notice('renamed', []));
    const added = after.members.filter((member) => !isMember(before, member));
    if (added.length > 0) notices.push(notice('added', added));
    const gone = before.members.filter((member) => !isMember(after, member));
    const left = gone.filter((member) => handleKey(member) === handleKey(author));
    const removed = gone.filter((member) => handleKey(member) !== handleKey(author));
    if (left.length > 0) notices.push(notice('left', left));
    if (removed.length > 0) notices.push(notice('removed', removed));
    return notices;
  }

  /**
   * A group state from a member (§1.8.2): a group this device does not know is joined only if
   * the state lists both the sender and this person; a known one changes only if the sender is
   * a member here and the state is newer.
   */
  async function applyGroupState(
    contact: ContactRecord,
    content: Extract<Content, { type: 'group' }>,
  ): Promise<void> {
    const groupId = toHex(content.groupId);
    const id = groupConversationId(groupId);
    const members = uniqueMembers(content.members);
    const existing = await repo.loadConversation(id);
    const next: GroupState = {
      groupId,
      name: content.name,
      members,
      revision: content.revision,
      author: contact.id,
      left: !members.some((member) => handleKey(member) === me),
    };
    // From another of this account's devices: the change is this person's own.
    const mine = contact.id === me;
    if (existing === undefined) {
      if (next.left || !isMember(next, contact.id)) return;
      await saveConversation({
        ...newConversation(emptyContact(next.name)),
        id,
        peer: next.name,
        group: next,
      });
      await saveNotice(id, contact.handle, mine, {
        kind: 'group',
        change: mine ? 'created' : 'added',
        subjects: mine
          ? otherMembers(next, me)
          : members.filter((member) => handleKey(member) === me),
        name: next.name,
      });
      return;
    }
    const current = existing.group;
    if (current === null || current.left || !isMember(current, contact.id)) return;
    if (!isNewerGroupState(next, current)) return;
    await saveConversation({ ...existing, peer: next.name, group: next });
    for (const notice of groupChanges(current, next, contact.handle)) {
      await saveNotice(id, contact.handle, mine, notice);
    }
  }

  /** A line in the conversation saying who changed what (a timer, a group). */
  async function saveNotice(
    conversationId: string,
    author: string,
    outgoing: boolean,
    notice: ConversationNoticeRecord,
  ): Promise<void> {
    const id = toHex(sodium.randombytes_buf(MESSAGE_ID_BYTES));
    await saveMessage({
      id,
      conversation: conversationId,
      sortKey: sortKeyOf(stamp(), id),
      outgoing,
      author,
      text: '',
      sentAt: now(),
      state: outgoing ? 'sent' : 'delivered',
      failure: null,
      waiting: null,
      awaitingKeys: false,
      fromDevice: null,
      expiresAt: null,
      timerSeconds: 0,
      reactions: {},
      replyTo: null,
      notice,
      receipts: {},
    });
  }

  /**
   * Sends a small content (timer, reaction) to everyone in the conversation through the outbox,
   * with a copy for this account's other devices.
   */
  async function sendToConversation(
    conversation: ConversationRecord,
    content: Extract<TranscribedContent, { type: 'timer' | 'reaction' }>,
  ): Promise<void> {
    const audience = await audienceOf(conversation);
    if (audience === null || audience.length === 0) return;
    if (audience.some(keysChangedSinceVerified)) throw new ChatError('KEYS_CHANGED');
    await encryptAndQueue(
      audience,
      content,
      sodium.randombytes_buf(MESSAGE_ID_BYTES),
      transcriptOf(conversation, content),
    );
  }

  /** Finds a person at the relay by handle, as its owner spells it, with their devices' keys. */
  async function findPerson(handle: string): Promise<ContactRecord> {
    const id = handleKey(handle.trim().replace(/^@/, ''));
    if (id === me) throw new ChatError('SELF');
    if (!connected()) throw new ChatError('OFFLINE');
    // The relay answers lookups only for a registered device: if enrolling on connect failed,
    // it is done again here rather than failing every lookup until the next reconnect.
    if (device?.device === null || device?.uploaded === false) await enrol();
    const contact = await refreshDevices((await repo.loadContact(id)) ?? emptyContact(id));
    const deviceIds = Object.keys(contact.devices);
    if (deviceIds.length === 0) throw new ChatError('NO_DEVICES', id);
    const { devices } = await requireTransport().lookupDevices(deviceIds.slice(0, 1));
    const spelled = devices[0]?.account ?? contact.handle;
    const named = { ...contact, handle: spelled };
    await saveContact(named);
    return named;
  }

  function checkGroupName(name: string): string {
    const trimmed = name.trim();
    const bytes = new TextEncoder().encode(trimmed).length;
    if (bytes === 0 || bytes > labels.MAX_GROUP_NAME_BYTES) {
      throw new ChatError('GROUP_NAME_INVALID');
    }
    return trimmed;
  }

  async function requireGroup(
    conversationId: string,
  ): Promise<{ conversation: ConversationRecord; group: GroupState }> {
    const conversation = await requireConversation(conversationId);
    if (conversation.group === null) throw new ChatError('UNKNOWN_CONVERSATION');
    if (conversation.group.left) throw new ChatError('NOT_A_MEMBER');
    return { conversation, group: conversation.group };
  }

  /**
   * Sets a group's new state here, shows what changed, and sends the state to every member from
   * before and after the change, so those removed learn it too.
   */
  async function changeGroup(
    conversation: ConversationRecord,
    current: GroupState,
    name: string,
    members: readonly string[],
  ): Promise<void> {
    if (!connected()) throw new ChatError('OFFLINE');
    if (members.length > labels.MAX_GROUP_MEMBERS) throw new ChatError('GROUP_FULL');
    const next: GroupState = {
      ...current,
      name,
      members,
      revision: Math.max(now(), current.revision + 1),
      author: me,
      left: !members.some((member) => handleKey(member) === me),
    };
    await saveConversation({ ...conversation, peer: name, group: next });
    for (const notice of groupChanges(current, next, options.handle)) {
      await saveNotice(conversation.id, options.handle, true, notice);
    }
    const told = uniqueMembers([...otherMembers(current, me), ...otherMembers(next, me)]);
    await sendGroupState(next, told);
  }

  async function sendGroupState(group: GroupState, to: readonly string[]): Promise<void> {
    const contacts: ContactRecord[] = [];
    for (const member of to) {
      try {
        const contact = await memberContact(member);
        if (contact !== null) contacts.push(contact);
      } catch (error) {
        if (!(error instanceof ChatError && error.code === 'UNKNOWN_ACCOUNT')) throw error;
      }
    }
    if (contacts.length === 0) return;
    const state: Content = {
      type: 'group',
      groupId: fromHex(group.groupId),
      revision: group.revision,
      name: group.name,
      members: group.members,
    };
    // This account's other devices take the same state: they follow the group too.
    await encryptAndQueue(contacts, state, sodium.randombytes_buf(MESSAGE_ID_BYTES), state);
  }

  /** Writes an outgoing message and its conversation's preview; run inside the serial queue. */
  async function writeText(
    conversationId: string,
    text: string,
    replyTo: string | null = null,
  ): Promise<MessageRecord> {
    const trimmed = text.trim();
    const conversation = await requireConversation(conversationId);
    if (conversation.group?.left === true) throw new ChatError('NOT_A_MEMBER');
    const contact = await repo.loadContact(conversationId);
    if (contact !== undefined && keysChangedSinceVerified(contact)) {
      throw new ChatError('KEYS_CHANGED');
    }
    const id = toHex(sodium.randombytes_buf(MESSAGE_ID_BYTES));
    const at = now();
    const message: MessageRecord = {
      id,
      conversation: conversationId,
      sortKey: sortKeyOf(stamp(at), id),
      outgoing: true,
      author: options.handle,
      text: trimmed,
      sentAt: at,
      state: 'queued',
      failure: null,
      waiting: null,
      awaitingKeys: true,
      fromDevice: null,
      expiresAt: conversation.timerSeconds > 0 ? at + conversation.timerSeconds * 1000 : null,
      timerSeconds: conversation.timerSeconds,
      reactions: {},
      notice: null,
      replyTo,
      receipts: {},
    };
    await repo.addAwaiting(id);
    await saveMessage(message);
    await saveConversation({
      ...conversation,
      lastText: trimmed,
      lastOutgoing: true,
      lastAuthor: options.handle,
      lastAt: at,
      draft: '',
    });
    background('send', () => serial(() => dispatch(message)));
    return message;
  }

  // ---- the public face -------------------------------------------------------------------

  return {
    async start() {
      if (transport !== null) return;
      device = await openDevice();
      identity = decodeIdentityKeyPair(device.identity);
      const link = options.connect({
        device: device.device,
        outbox: repo.outbox,
        onEnvelope: (envelope) => serial(() => receive(envelope)),
        onPrekeysLow: () => {
          background('replenish prekeys', () => serial(replenishPrekeys));
        },
        onQueueEmpty: () => {
          emit({ kind: 'caught-up' });
        },
      });
      transport = link;
      unsubscribers.push(
        link.subscribe((state) => {
          emit({ kind: 'connection', state });
          if (state === 'connected') {
            background('enrol', () => serial(enrol));
            background('send waiting messages', () => serial(dispatchAwaiting));
          }
        }),
        link.subscribeSends((update) => {
          background('send update', () => serial(() => applySendUpdate(update)));
        }),
      );
    },

    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },

    connectionState: () => transport?.state ?? 'connecting',

    async listConversations() {
      const all = await repo.listConversations();
      return all.sort((a, b) => b.lastAt - a.lastAt);
    },
    listMessages: (conversation) => repo.listMessages(conversation),
    loadContact: (conversation) => repo.loadContact(conversation),

    startConversation: (handle) =>
      serial(async () => {
        const id = handleKey(handle.trim().replace(/^@/, ''));
        if (id === me) throw new ChatError('SELF');
        const existing = await repo.loadConversation(id);
        if (existing !== undefined) return existing;
        const conversation = newConversation(await findPerson(handle));
        await saveConversation(conversation);
        return conversation;
      }),

    createGroup: (name, handles) =>
      serial(async () => {
        const groupName = checkGroupName(name);
        if (!connected()) throw new ChatError('OFFLINE');
        const people: ContactRecord[] = [];
        for (const handle of uniqueMembers(handles.filter((h) => h.trim() !== ''))) {
          people.push(await findPerson(handle));
        }
        if (people.length + 1 > labels.MAX_GROUP_MEMBERS) throw new ChatError('GROUP_FULL');
        const groupId = toHex(sodium.randombytes_buf(labels.SIZES.groupId));
        const group: GroupState = {
          groupId,
          name: groupName,
          members: [options.handle, ...people.map((person) => person.handle)],
          revision: now(),
          author: me,
          left: false,
        };
        const conversation: ConversationRecord = {
          ...newConversation(emptyContact(groupName)),
          id: groupConversationId(groupId),
          peer: groupName,
          group,
        };
        await saveConversation(conversation);
        await saveNotice(conversation.id, options.handle, true, {
          kind: 'group',
          change: 'created',
          subjects: otherMembers(group, me),
          name: groupName,
        });
        await sendGroupState(group, otherMembers(group, me));
        return conversation;
      }),

    renameGroup: (conversationId, name) =>
      serial(async () => {
        const { conversation, group } = await requireGroup(conversationId);
        const groupName = checkGroupName(name);
        if (groupName === group.name) return;
        await changeGroup(conversation, group, groupName, group.members);
      }),

    addMembers: (conversationId, handles) =>
      serial(async () => {
        const { conversation, group } = await requireGroup(conversationId);
        const added: string[] = [];
        for (const handle of uniqueMembers(handles.filter((h) => h.trim() !== ''))) {
          if (isMember(group, handle.trim().replace(/^@/, ''))) continue;
          added.push((await findPerson(handle)).handle);
        }
        if (added.length === 0) return;
        await changeGroup(conversation, group, group.name, [...group.members, ...added]);
      }),

    removeMember: (conversationId, handle) =>
      serial(async () => {
        const { conversation, group } = await requireGroup(conversationId);
        if (handleKey(handle) === me) throw new ChatError('SELF');
        if (!isMember(group, handle)) return;
        const members = group.members.filter((member) => handleKey(member) !== handleKey(handle));
        await changeGroup(conversation, group, group.name, members);
      }),

    leaveGroup: (conversationId) =>
      serial(async () => {
        const { conversation, group } = await requireGroup(conversationId);
        const members = group.members.filter((member) => handleKey(member) !== me);
        await changeGroup(conversation, group, group.name, members);
      }),

    sendText: (conversationId, text, replyTo) =>
      serial(() => writeText(conversationId, text, replyTo)),

    retry: (messageId) =>
      serial(async () => {
        const failed = await repo.loadMessage(messageId);
        if (failed?.state !== 'failed') throw new ChatError('UNKNOWN_MESSAGE');
        await saveMessage({ ...failed, failure: 'RETRIED' });
        return writeText(failed.conversation, failed.text, failed.replyTo);
      }),

    setTimer: (conversationId, seconds) =>
      serial(async () => {
        const conversation = await requireConversation(conversationId);
        if (conversation.timerSeconds === seconds) return;
        if (conversation.group?.left === true) throw new ChatError('NOT_A_MEMBER');
        await saveConversation({ ...conversation, timerSeconds: seconds });
        await saveNotice(conversationId, options.handle, true, { kind: 'timer', seconds });
        await sendToConversation(conversation, {
          type: 'timer',
          seconds,
          groupId: groupIdOf(conversation),
        });
      }),

    react: (messageId, emoji) =>
      serial(async () => {
        const message = await repo.loadMessage(messageId);
        if (message?.notice !== null) throw new ChatError('UNKNOWN_MESSAGE');
        const conversation = await requireConversation(message.conversation);
        if (conversation.group?.left === true) throw new ChatError('NOT_A_MEMBER');
        await saveMessage({
          ...message,
          reactions: withReaction(message.reactions, options.handle, emoji),
        });
        await sendToConversation(conversation, {
          type: 'reaction',
          messageId: fromHex(messageId),
          emoji,
          groupId: groupIdOf(conversation),
        });
      }),

    sweepExpired: () =>
      serial(async () => {
        const at = now();
        for (const conversation of await repo.listConversations()) {
          for (const message of await repo.listMessages(conversation.id)) {
            if (message.expiresAt !== null && message.expiresAt <= at) {
              await repo.deleteMessage(message);
              emit({ kind: 'message-deleted', conversation: conversation.id, id: message.id });
            }
          }
        }
      }),

    // In the queue like every write: read outside it, a draft could write an older preview and
    // unread count back over what an incoming message just stored.
    saveDraft: (conversationId, draft) =>
      serial(async () => {
        const conversation = await repo.loadConversation(conversationId);
        if (conversation === undefined || conversation.draft === draft) return;
        await saveConversation({ ...conversation, draft });
      }),

    markRead: (conversationId) =>
      serial(async () => {
        const conversation = await repo.loadConversation(conversationId);
        if (conversation === undefined) return;
        const unread = (await repo.listMessages(conversationId)).filter(
          (message) => !message.outgoing && message.state === 'delivered',
        );
        if (conversation.unread !== 0) await saveConversation({ ...conversation, unread: 0 });
        const byAuthor = new Map<string, Uint8Array[]>();
        const read: Uint8Array[] = [];
        for (const message of unread) {
          await saveMessage(readNow(message));
          if (message.fromDevice === null) continue; // a notice: nobody to tell
          const id = fromHex(message.id);
          read.push(id);
          const author = handleKey(message.author);
          byAuthor.set(author, [...(byAuthor.get(author) ?? []), id]);
        }
        if (transport === null || read.length === 0) return;
        // Every device of each author, so their other devices' copies show it read too.
        for (const [author, ids] of byAuthor) {
          const contact = await repo.loadContact(author);
          if (contact !== undefined) await sendReceipts(Object.keys(contact.devices), 'read', ids);
        }
        // And this account's other devices, which then show these messages read as well.
        await sendReceipts(await ownOtherDevices(), 'read', read);
      }),

    sendTyping: (conversationId, typing) =>
      serial(async () => {
        // A typing notice is worth nothing later: never queued while offline.
        if (!connected()) return;
        const conversation = await repo.loadConversation(conversationId);
        if (conversation === undefined || conversation.group?.left === true) return;
        const members =
          conversation.group === null
            ? [conversationId]
            : otherMembers(conversation.group, me).map(handleKey);
        const devices: string[] = [];
        for (const member of members) {
          const contact = await repo.loadContact(member);
          if (contact === undefined || keysChangedSinceVerified(contact)) continue;
          devices.push(...Object.keys(contact.devices));
        }
        await sendControl(devices, {
          type: 'typing',
          state: typing ? 'started' : 'stopped',
          groupId: groupIdOf(conversation),
        });
      }),

    safetyNumber: (conversationId) =>
      serial(async () => {
        let contact = await repo.loadContact(conversationId);
        if (contact === undefined) throw new ChatError('UNKNOWN_CONVERSATION');
        let self = (await repo.loadContact(me)) ?? emptyContact(options.handle);
        const fresh = (record: ContactRecord) => now() - record.refreshedAt < SAFETY_REFRESH_MS;
        if (connected() && !fresh(contact)) contact = await refreshDevices(contact);
        if (connected() && !fresh(self)) self = await refreshDevices(self);
        const ownKey = toHex(requireIdentity().signingPublicKey);
        const ownKeys = new Set([ownKey, ...Object.values(self.devices)]);
        return computeSafetyNumber(
          sodium,
          { accountId: me, identityKeys: [...ownKeys].map(fromHex) },
          { accountId: contact.id, identityKeys: Object.values(contact.devices).map(fromHex) },
        );
      }),

    setVerified: (conversationId, verified) =>
      serial(async () => {
        const contact = await repo.loadContact(conversationId);
        if (contact === undefined) throw new ChatError('UNKNOWN_CONVERSATION');
        await saveContact({
          ...contact,
          verifiedKeys: verified ? keySetOf(contact.devices) : null,
          keyChangedAt: verified ? null : contact.keyChangedAt,
        });
      }),

    acknowledgeKeyChange: (conversationId) =>
      serial(async () => {
        const contact = await repo.loadContact(conversationId);
        if (contact === undefined) return;
        const wasVerified = contact.verifiedKeys !== null;
        await saveContact({
          ...contact,
          keyChangedAt: null,
          // Confirming a change is not verifying the new keys: compare safety numbers again.
          verifiedKeys: wasVerified ? null : contact.verifiedKeys,
        });
        await dispatchAwaiting();
      }),

    stop() {
      for (const unsubscribe of unsubscribers.splice(0)) unsubscribe();
      transport?.close();
      transport = null;
      listeners.clear();
    },
  };
}
