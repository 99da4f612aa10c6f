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
  publicIdentity,
  receiveMessage,
  sendMessage,
  type Content,
  type IdentityKeyPair,
  type OneTimePrekeyPair,
  type SafetyNumber,
  type Sodium,
} from '@vaultroom/shared/crypto';
import { ChatError } from './ChatError.js';
import {
  fromHex,
  handleKey,
  keySetOf,
  laterState,
  sortKeyOf,
  toHex,
  type ContactRecord,
  type ConversationRecord,
  type DeviceRecord,
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
  let stopped = false;
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
    lastAt: now(),
    unread: 0,
    draft: '',
    createdAt: now(),
    timerSeconds: 0,
  });

  // ---- sending ---------------------------------------------------------------------------

  /** Encrypts `content` for each device of the contact and hands it to the outbox as `msg`. */
  async function encryptAndQueue(
    contact: ContactRecord,
    content: Content,
    msg: Uint8Array,
  ): Promise<void> {
    const bytes = encodeContent(content);
    const to: { device: string; body: Uint8Array }[] = [];
    for (const deviceId of Object.keys(contact.devices)) {
      to.push({
        device: deviceId,
        body: await sendMessage(sodium, repo.sessions, deviceId, bytes),
      });
    }
    if (to.length === 0) throw new ChatError('NO_DEVICES');
    await requireTransport().send(to, msg);
  }

  /** Moves one queued message towards the relay, if keys and the connection allow now. */
  async function dispatch(message: MessageRecord): Promise<void> {
    if (!message.awaitingKeys || message.state !== 'queued') return;
    const contact = await recipientsOf(message.conversation);
    if (contact === null || Object.keys(contact.devices).length === 0) return; // wait for keys
    if (keysChangedSinceVerified(contact)) return; // the person confirms first
    const fields = {
      messageId: fromHex(message.id),
      sentAt: message.sentAt,
      groupId: null,
      text: message.text,
    };
    const content: Content =
      message.replyTo === null
        ? { type: 'text', ...fields }
        : { type: 'reply', ...fields, replyTo: fromHex(message.replyTo) };
    try {
      await encryptAndQueue(contact, content, fromHex(message.id));
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
    if (update.state === 'sent') state = laterState(state, 'sent');
    if (update.state === 'failed') {
      state = laterState(state, 'failed');
      failure = update.code ?? 'SEND_FAILED';
    }
    if (state !== message.state || failure !== message.failure) {
      await saveMessage({ ...message, state, failure });
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
        if (content.groupId !== null) return; // groups are not offered yet
        const id = toHex(content.messageId);
        if ((await repo.loadMessage(id)) !== undefined) return;
        const message: MessageRecord = {
          id,
          conversation: contact.id,
          sortKey: sortKeyOf(stamp(), id),
          outgoing: false,
          author: contact.handle,
          text: content.text,
          sentAt: content.sentAt,
          state: 'delivered',
          failure: null,
          awaitingKeys: false,
          fromDevice: envelope.from,
          // Incoming messages start their timer when read (markRead).
          expiresAt: null,
          timerSeconds: (await repo.loadConversation(contact.id))?.timerSeconds ?? 0,
          reactions: {},
          notice: null,
          replyTo: content.type === 'reply' ? toHex(content.replyTo) : null,
        };
        await saveMessage(message);
        const conversation = (await repo.loadConversation(contact.id)) ?? newConversation(contact);
        const updated: ConversationRecord = {
          ...conversation,
          lastText: content.text,
          lastOutgoing: false,
          lastAt: now(),
          unread: conversation.unread + 1,
        };
        await saveConversation(updated);
        emit({ kind: 'typing', conversation: contact.id, typing: false });
        emit({ kind: 'incoming', message, conversation: updated });
        await sendControl([envelope.from], {
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
          // Only the person the message went to can confirm it.
          if (message === undefined || !message.outgoing || message.conversation !== contact.id) {
            continue;
          }
          const state = laterState(message.state, next);
          if (state !== message.state) await saveMessage({ ...message, state });
        }
        return;
      }
      case 'typing':
        if (content.groupId === null) {
          emit({ kind: 'typing', conversation: contact.id, typing: content.state === 'started' });
        }
        return;
      case 'timer': {
        if (content.groupId !== null) return;
        const conversation = (await repo.loadConversation(contact.id)) ?? newConversation(contact);
        if (conversation.timerSeconds === content.seconds) return;
        await saveConversation({ ...conversation, timerSeconds: content.seconds });
        await saveNotice(contact.id, contact.handle, false, content.seconds);
        return;
      }
      case 'reaction': {
        if (content.groupId !== null) return;
        const message = await repo.loadMessage(toHex(content.messageId));
        // Only people in the conversation react to its messages.
        if (message?.conversation !== contact.id) return;
        await saveMessage({
          ...message,
          reactions: withReaction(message.reactions, contact.handle, content.emoji),
        });
        return;
      }
      case 'groupKeyDistribution':
      case 'control':
        return;
    }
  }

  /** A line in the conversation saying who set the timer to what. */
  async function saveNotice(
    conversationId: string,
    author: string,
    outgoing: boolean,
    seconds: number,
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
      awaitingKeys: false,
      fromDevice: null,
      expiresAt: null,
      timerSeconds: 0,
      reactions: {},
      replyTo: null,
      notice: { kind: 'timer', seconds },
    });
  }

  /** Sends a small content (timer, reaction) to every device of the contact, through the outbox. */
  async function sendToContact(conversationId: string, content: Content): Promise<void> {
    const contact = await recipientsOf(conversationId);
    if (contact === null || Object.keys(contact.devices).length === 0) return;
    if (keysChangedSinceVerified(contact)) throw new ChatError('KEYS_CHANGED');
    await encryptAndQueue(contact, content, sodium.randombytes_buf(MESSAGE_ID_BYTES));
  }

  async function sendText(
    conversationId: string,
    text: string,
    replyTo: string | null = null,
  ): Promise<MessageRecord> {
    const trimmed = text.trim();
    const conversation = await requireConversation(conversationId);
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
      awaitingKeys: true,
      fromDevice: null,
      expiresAt: conversation.timerSeconds > 0 ? at + conversation.timerSeconds * 1000 : null,
      timerSeconds: conversation.timerSeconds,
      reactions: {},
      notice: null,
      replyTo,
    };
    await repo.addAwaiting(id);
    await saveMessage(message);
    await saveConversation({
      ...conversation,
      lastText: trimmed,
      lastOutgoing: true,
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
        if (!connected()) throw new ChatError('OFFLINE');
        const contact = await refreshDevices((await repo.loadContact(id)) ?? emptyContact(id));
        const deviceIds = Object.keys(contact.devices);
        if (deviceIds.length === 0) throw new ChatError('NO_DEVICES');
        // The relay spells the handle as its owner chose it.
        const { devices } = await requireTransport().lookupDevices(deviceIds.slice(0, 1));
        const spelled = devices[0]?.account ?? contact.handle;
        const named = { ...contact, handle: spelled };
        await saveContact(named);
        const conversation = newConversation(named);
        await saveConversation(conversation);
        return conversation;
      }),

    sendText,

    async retry(messageId) {
      const failed = await repo.loadMessage(messageId);
      if (failed?.state !== 'failed') throw new ChatError('UNKNOWN_MESSAGE');
      await saveMessage({ ...failed, failure: 'RETRIED' });
      return sendText(failed.conversation, failed.text, failed.replyTo);
    },

    setTimer: (conversationId, seconds) =>
      serial(async () => {
        const conversation = await requireConversation(conversationId);
        if (conversation.timerSeconds === seconds) return;
        await saveConversation({ ...conversation, timerSeconds: seconds });
        await saveNotice(conversationId, options.handle, true, seconds);
        await sendToContact(conversationId, { type: 'timer', seconds, groupId: null });
      }),

    react: (messageId, emoji) =>
      serial(async () => {
        const message = await repo.loadMessage(messageId);
        if (message?.notice !== null) throw new ChatError('UNKNOWN_MESSAGE');
        await saveMessage({
          ...message,
          reactions: withReaction(message.reactions, options.handle, emoji),
        });
        await sendToContact(message.conversation, {
          type: 'reaction',
          messageId: fromHex(messageId),
          emoji,
          groupId: null,
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

    async saveDraft(conversationId, draft) {
      const conversation = await repo.loadConversation(conversationId);
      if (conversation === undefined || conversation.draft === draft) return;
      await saveConversation({ ...conversation, draft });
    },

    markRead: (conversationId) =>
      serial(async () => {
        const conversation = await repo.loadConversation(conversationId);
        if (conversation === undefined) return;
        const unread = (await repo.listMessages(conversationId)).filter(
          (message) => !message.outgoing && message.state === 'delivered',
        );
        if (conversation.unread !== 0) await saveConversation({ ...conversation, unread: 0 });
        const byDevice = new Map<string, Uint8Array[]>();
        for (const message of unread) {
          const timer = message.timerSeconds;
          await saveMessage({
            ...message,
            state: 'read',
            expiresAt: timer > 0 ? now() + timer * 1000 : message.expiresAt,
          });
          if (message.fromDevice === null) continue;
          const ids = byDevice.get(message.fromDevice) ?? [];
          ids.push(fromHex(message.id));
          byDevice.set(message.fromDevice, ids);
        }
        if (transport === null) return;
        for (const [deviceId, ids] of byDevice) {
          for (let i = 0; i < ids.length; i += 256) {
            await sendControl([deviceId], {
              type: 'receipt',
              kind: 'read',
              messageIds: ids.slice(i, i + 256),
            });
          }
        }
      }),

    sendTyping: (conversationId, typing) =>
      serial(async () => {
        // A typing notice is worth nothing later: never queued while offline.
        if (!connected()) return;
        const contact = await repo.loadContact(conversationId);
        if (contact === undefined || keysChangedSinceVerified(contact)) return;
        await sendControl(Object.keys(contact.devices), {
          type: 'typing',
          state: typing ? 'started' : 'stopped',
          groupId: null,
        });
      }),

    safetyNumber: (conversationId) =>
      serial(async () => {
        let contact = await repo.loadContact(conversationId);
        if (contact === undefined) throw new ChatError('UNKNOWN_CONVERSATION');
        let self = (await repo.loadContact(me)) ?? emptyContact(options.handle);
        if (connected()) {
          contact = await refreshDevices(contact);
          self = await refreshOwnDevices(self);
        }
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
      stopped = true;
      for (const unsubscribe of unsubscribers.splice(0)) unsubscribe();
      transport?.close();
      transport = null;
      listeners.clear();
    },
  };

  /** Our own account's other devices: their keys are part of our safety number. */
  async function refreshOwnDevices(self: ContactRecord): Promise<ContactRecord> {
    if (stopped) return self;
    const { bundles } = await requireTransport().fetchBundles(options.handle);
    const devices: Record<string, string> = {};
    for (const { device: deviceId, bundle } of bundles) {
      devices[deviceId] = toHex(decodePrekeyBundle(bundle).identity.signingPublicKey);
    }
    const next = { ...self, devices, refreshedAt: now() };
    await repo.saveContact(next);
    return next;
  }
}
