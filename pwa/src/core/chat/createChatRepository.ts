import { encodeHex } from '@vaultroom/shared';
import type { OutboxRecord, OutboxStore } from '@vaultroom/shared/client';
import {
  decodeOneTimePrekey,
  decodePqPrekey,
  decodeSession,
  decodeSignedPrekey,
  encodeOneTimePrekey,
  encodeSession,
  type OneTimePrekeyPair,
  type PrekeyStore,
  type SessionStore,
} from '@vaultroom/shared/crypto';
import {
  decodeRecord,
  encodeRecord,
  normalizeContact,
  normalizeConversation,
  normalizeMessage,
  type AccountKeyRecord,
  type LogViewRecord,
  type ContactRecord,
  type ConversationRecord,
  type DeviceRecord,
  type MessageRecord,
  type PendingSend,
  type StoredContact,
  type StoredConversation,
  type StoredMessage,
} from './chatRecords.js';
import type { HeldContent } from './heldContent.js';
import type { LogNoticesRecord } from './logNotices.js';
import type { SealedStore } from './SealedStore.js';

/** Typed access to the chat's records, over any SealedStore. Load and save only. */
export interface ChatRepository {
  loadDevice(): Promise<DeviceRecord | undefined>;
  saveDevice(device: DeviceRecord): Promise<void>;
  saveOneTimePrekeys(prekeys: readonly OneTimePrekeyPair[]): Promise<void>;
  listOneTimePrekeys(): Promise<OneTimePrekeyPair[]>;

  /** Outgoing messages on their way out, oldest first. */
  listPendingSends(): Promise<PendingSend[]>;
  loadPendingSend(message: string): Promise<PendingSend | undefined>;
  savePendingSend(pending: PendingSend): Promise<void>;
  deletePendingSend(message: string): Promise<void>;
  /**
   * Records of earlier versions, moved to today's form: a message left waiting for keys was an
   * `awaiting/` mark beside an `awaitingKeys` flag; it becomes a `needs-keys` PendingSend.
   */
  migrate(): Promise<void>;

  /** This account's account key pair, kept like the device's own keys (PROTOCOL.md §1.15.1). */
  loadAccountKey(): Promise<AccountKeyRecord | undefined>;
  saveAccountKey(record: AccountKeyRecord): Promise<void>;
  deleteAccountKey(): Promise<void>;
  /** The audit log view this device trusts and monitors from (§3.9). */
  loadLogView(): Promise<LogViewRecord | undefined>;
  saveLogView(record: LogViewRecord): Promise<void>;
  /** What this device saw of a log other than its own, and what monitoring found (logNotices.ts). */
  loadLogNotices(): Promise<LogNoticesRecord | undefined>;
  saveLogNotices(record: LogNoticesRecord): Promise<void>;
  /** When this device last told each conversation its checkpoint (checkpointGossip.ts). */
  loadGossipSent(): Promise<Readonly<Record<string, number>> | undefined>;
  saveGossipSent(record: Readonly<Record<string, number>>): Promise<void>;
  /** Drops the session with a device: its key is not the one its account certified. */
  deleteSession(address: string): Promise<void>;
  /** Content kept until the person accepts its sender's new account key (heldContent.ts). */
  holdContent(held: HeldContent): Promise<void>;
  /** What is held for a contact, oldest first, each with the key to delete it by. */
  listHeld(contact: string): Promise<{ key: string; held: HeldContent }[]>;
  deleteHeld(key: string): Promise<void>;

  loadContact(id: string): Promise<ContactRecord | undefined>;
  saveContact(contact: ContactRecord): Promise<void>;
  /** Which contact a device belongs to, as learned from the relay. */
  loadDeviceOwner(device: string): Promise<string | undefined>;
  saveDeviceOwner(device: string, contact: string): Promise<void>;

  listConversations(): Promise<ConversationRecord[]>;
  loadConversation(id: string): Promise<ConversationRecord | undefined>;
  saveConversation(conversation: ConversationRecord): Promise<void>;

  listMessages(conversation: string): Promise<MessageRecord[]>;
  loadMessage(id: string): Promise<MessageRecord | undefined>;
  /** A new message: its record and its index entry (id → key). */
  addMessage(message: MessageRecord): Promise<void>;
  /** A message already added: its key never changes, so its index entry stays. */
  saveMessage(message: MessageRecord): Promise<void>;
  deleteMessage(message: MessageRecord): Promise<void>;

  /** Whether an envelope (by sender device and message id) was already handled. */
  seen(fromDevice: string, msg: string): Promise<boolean>;
  markSeen(fromDevice: string, msg: string): Promise<void>;

  readonly sessions: SessionStore;
  readonly prekeys: PrekeyStore;
  /** Signed and X-Wing prekeys superseded by a rotation, kept for their grace period. */
  readonly superseded: SupersededPrekeys;
  readonly outbox: OutboxStore;
}

export type SupersededKind = 'signed' | 'pq';

export interface SupersededPrekeys {
  save(kind: SupersededKind, id: number, encoded: Uint8Array): Promise<void>;
  list(kind: SupersededKind): Promise<Uint8Array[]>;
  delete(kind: SupersededKind, id: number): Promise<void>;
  /** Accepted handshakes (§1.5.5) by the signed prekey they used; `id` is absent in old ones. */
  listHandshakes(): Promise<{ readonly id?: string; readonly signedPrekeyId: number }[]>;
  deleteHandshake(id: string): Promise<void>;
}

export function createChatRepository(store: SealedStore): ChatRepository {
  const load = async <T extends object>(
    name: Parameters<SealedStore['get']>[0],
    key: string,
  ): Promise<T | undefined> => {
    const bytes = await store.get(name, key);
    return bytes === undefined ? undefined : decodeRecord<T>(bytes);
  };
  const save = (name: Parameters<SealedStore['put']>[0], key: string, record: object) =>
    store.put(name, key, encodeRecord(record));

  const loadMessage = async (id: string): Promise<MessageRecord | undefined> => {
    const index = await load<{ key: string }>('messageIndex', id);
    if (index === undefined) return undefined;
    const stored = await load<StoredMessage>('messages', index.key);
    return stored === undefined ? undefined : normalizeMessage(stored);
  };

  return {
    loadDevice: () => load<DeviceRecord>('device', 'self'),
    saveDevice: (device) => save('device', 'self', device),
    async saveOneTimePrekeys(prekeys) {
      for (const prekey of prekeys) {
        await store.put('prekeys', `one-time/${String(prekey.id)}`, encodeOneTimePrekey(prekey));
      }
    },

    // Sorted here: a store hides its keys, so it lists a group in no meaningful order.
    listOneTimePrekeys: async () =>
      (await store.list('prekeys', 'one-time'))
        .map((bytes) => decodeOneTimePrekey(bytes))
        .sort((a, b) => a.id - b.id),

    async listPendingSends() {
      const all = (await store.list('device', 'pending')).map((bytes) =>
        decodeRecord<PendingSend>(bytes),
      );
      return all.sort((a, b) => a.since - b.since);
    },
    loadPendingSend: (message) => load<PendingSend>('device', `pending/${message}`),
    savePendingSend: (pending) => save('device', `pending/${pending.id}`, pending),
    deletePendingSend: (message) => store.delete('device', `pending/${message}`),
    async migrate() {
      for (const bytes of await store.list('device', 'awaiting')) {
        const { id } = decodeRecord<{ id: string }>(bytes);
        await store.delete('device', `awaiting/${id}`);
        const message = await loadMessage(id);
        if (message?.state !== 'queued') continue;
        const pending: PendingSend = { id, stage: 'needs-keys', since: message.sentAt };
        await save('device', `pending/${id}`, pending);
      }
    },

    loadAccountKey: () => load<AccountKeyRecord>('device', 'account-key'),
    saveAccountKey: (record) => save('device', 'account-key', record),
    deleteAccountKey: () => store.delete('device', 'account-key'),
    loadLogView: () => load<LogViewRecord>('device', 'log-view'),
    saveLogView: (record) => save('device', 'log-view', record),
    loadLogNotices: () => load<LogNoticesRecord>('device', 'log-notices'),
    saveLogNotices: (record) => save('device', 'log-notices', record),
    loadGossipSent: () => load<Record<string, number>>('device', 'gossip-sent'),
    saveGossipSent: (record) => save('device', 'gossip-sent', record),
    deleteSession: (address) => store.delete('sessions', address),
    holdContent: (held) =>
      save('device', `held/${String(held.at).padStart(15, '0')}-${held.fromDevice}`, held),
    async listHeld(contact) {
      const all = (await store.list('device', 'held')).map((bytes) =>
        decodeRecord<HeldContent>(bytes),
      );
      return all
        .filter((held) => held.contact === contact)
        .map((held) => ({
          key: `held/${String(held.at).padStart(15, '0')}-${held.fromDevice}`,
          held,
        }));
    },
    deleteHeld: (key) => store.delete('device', key),

    async loadContact(id) {
      const stored = await load<StoredContact>('contacts', id);
      return stored === undefined ? undefined : normalizeContact(stored);
    },
    saveContact: (contact) => save('contacts', contact.id, contact),
    loadDeviceOwner: async (device) =>
      (await load<{ contact: string }>('contacts', `owner/${device}`))?.contact,
    saveDeviceOwner: (device, contact) => save('contacts', `owner/${device}`, { contact }),

    listConversations: async () =>
      (await store.list('conversations')).map((bytes) =>
        normalizeConversation(decodeRecord<StoredConversation>(bytes)),
      ),
    async loadConversation(id) {
      const stored = await load<StoredConversation>('conversations', id);
      return stored === undefined ? undefined : normalizeConversation(stored);
    },
    saveConversation: (conversation) => save('conversations', conversation.id, conversation),

    listMessages: async (conversation) =>
      (await store.list('messages', conversation))
        .map((bytes) => normalizeMessage(decodeRecord<StoredMessage>(bytes)))
        .sort((a, b) => (a.sortKey < b.sortKey ? -1 : a.sortKey > b.sortKey ? 1 : 0)),
    loadMessage,
    async deleteMessage(message) {
      await store.delete('messages', `${message.conversation}/${message.sortKey}`);
      await store.delete('messageIndex', message.id);
    },
    async addMessage(message) {
      const key = `${message.conversation}/${message.sortKey}`;
      await save('messages', key, message);
      await save('messageIndex', message.id, { key });
    },
    saveMessage: (message) =>
      save('messages', `${message.conversation}/${message.sortKey}`, message),

    seen: async (fromDevice, msg) =>
      (await store.get('seen', `${fromDevice}/${msg}`)) !== undefined,
    markSeen: (fromDevice, msg) => store.put('seen', `${fromDevice}/${msg}`, new Uint8Array(1)),

    sessions: {
      async loadSession(address) {
        const bytes = await store.get('sessions', address);
        return bytes === undefined ? undefined : decodeSession(bytes);
      },
      storeSession: (address, session) => store.put('sessions', address, encodeSession(session)),
    },
    prekeys: {
      async loadSignedPrekey(id) {
        const device = await load<DeviceRecord>('device', 'self');
        const prekey = device === undefined ? undefined : decodeSignedPrekey(device.signedPrekey);
        if (prekey?.id === id) return prekey;
        const superseded = await store.get('prekeys', `signed/${String(id)}`);
        return superseded === undefined ? undefined : decodeSignedPrekey(superseded);
      },
      async loadPqPrekey(id) {
        const device = await load<DeviceRecord>('device', 'self');
        const prekey = device === undefined ? undefined : decodePqPrekey(device.pqPrekey);
        if (prekey?.id === id) return prekey;
        const superseded = await store.get('prekeys', `pq/${String(id)}`);
        return superseded === undefined ? undefined : decodePqPrekey(superseded);
      },
      async loadOneTimePrekey(id) {
        const bytes = await store.get('prekeys', `one-time/${String(id)}`);
        return bytes === undefined ? undefined : decodeOneTimePrekey(bytes);
      },
      removeOneTimePrekey: (id) => store.delete('prekeys', `one-time/${String(id)}`),
      hasHandshake: async (id) => (await store.get('handshakes', encodeHex(id))) !== undefined,
      recordHandshake: (id, signedPrekeyId) =>
        save('handshakes', encodeHex(id), { id: encodeHex(id), signedPrekeyId }),
    },
    superseded: {
      save: (kind, id, encoded) => store.put('prekeys', `${kind}/${String(id)}`, encoded),
      list: (kind) => store.list('prekeys', kind),
      delete: (kind, id) => store.delete('prekeys', `${kind}/${String(id)}`),
      listHandshakes: async () =>
        (await store.list('handshakes')).map((bytes) =>
          decodeRecord<{ id?: string; signedPrekeyId: number }>(bytes),
        ),
      deleteHandshake: (id) => store.delete('handshakes', id),
    },
    outbox: {
      load: async () =>
        (await store.list('outbox')).map((bytes) => decodeRecord<OutboxRecord>(bytes)),
      // Keyed by enqueue order, so a restart resends in the order the messages were written.
      save: (record) => save('outbox', String(record.seq).padStart(15, '0'), record),
      async delete(msg) {
        const records = (await store.list('outbox')).map((bytes) =>
          decodeRecord<OutboxRecord>(bytes),
        );
        const hex = encodeHex(msg);
        for (const record of records) {
          if (encodeHex(record.msg) === hex) {
            await store.delete('outbox', String(record.seq).padStart(15, '0'));
          }
        }
      },
    },
  };
}
