import { openDB, type IDBPDatabase } from 'idb';
import {
  CHAT_STORE_NAMES,
  splitRecordKey,
  type ChatStoreName,
  type SealedStore,
} from '../core/chat/SealedStore.js';

const KEYS_STORE = 'storage-keys';
const SCHEMA_VERSION = 1;

interface SealedValue {
  readonly iv: Uint8Array<ArrayBuffer>;
  readonly data: ArrayBuffer;
}

interface StorageKeys {
  /** AES-256-GCM, non-extractable: seals every value. */
  readonly seal: CryptoKey;
  /** HMAC-SHA-256, non-extractable: hides key groups (handles) in record keys. */
  readonly name: CryptoKey;
}

const encoder = new TextEncoder();

async function loadOrCreateKeys(db: IDBPDatabase): Promise<StorageKeys> {
  const stored = (await db.get(KEYS_STORE, 'keys')) as StorageKeys | undefined;
  if (stored !== undefined) return stored;
  // Non-extractable: script on this origin can use the keys but never read them out. They are
  // stored beside the records, so this protects against reading records one by one (a leaked
  // export, a debugging tool), not against a copy of the whole browser profile: sealing the keys
  // with the passkey's PRF output is what would close that.
  const keys: StorageKeys = {
    seal: await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, [
      'encrypt',
      'decrypt',
    ]),
    name: await crypto.subtle.generateKey({ name: 'HMAC', hash: 'SHA-256' }, false, ['sign']),
  };
  await db.put(KEYS_STORE, keys, 'keys');
  return keys;
}

function hex(bytes: ArrayBuffer): string {
  return [...new Uint8Array(bytes)].map((byte) => byte.toString(16).padStart(2, '0')).join('');
}

/**
 * The chat's records in IndexedDB, one database per account, every value sealed with AES-GCM
 * under a non-extractable key kept beside them. The seal's associated data names the store and
 * key, so a record cannot be moved to another key unnoticed. Key groups (a conversation's
 * handle) are replaced by a keyed hash; the rest of a key (a time, a random id) stays readable
 * so a conversation's messages keep their order.
 */
export async function openIndexedDbSealedStore(accountId: string): Promise<SealedStore> {
  const db = await openDB(`vaultroom-chat-${accountId}`, SCHEMA_VERSION, {
    upgrade(database) {
      for (const name of CHAT_STORE_NAMES) {
        if (!database.objectStoreNames.contains(name)) database.createObjectStore(name);
      }
      if (!database.objectStoreNames.contains(KEYS_STORE)) database.createObjectStore(KEYS_STORE);
    },
  });
  const keys = await loadOrCreateKeys(db);
  const hiddenGroups = new Map<string, string>();

  async function hide(group: string): Promise<string> {
    const known = hiddenGroups.get(group);
    if (known !== undefined) return known;
    const mac = await crypto.subtle.sign('HMAC', keys.name, encoder.encode(group));
    const hidden = hex(mac).slice(0, 32);
    hiddenGroups.set(group, hidden);
    return hidden;
  }

  async function storedKey(key: string): Promise<string> {
    const { group, rest } = splitRecordKey(key);
    return group === null ? hide(rest) : `${await hide(group)}/${rest}`;
  }

  // Bound to the stored key, a function of the original one: a record moved to another key or
  // store no longer opens.
  const associated = (store: ChatStoreName, stored: string) =>
    encoder.encode(`${store}\n${stored}`);

  async function seal(
    store: ChatStoreName,
    stored: string,
    value: Uint8Array,
  ): Promise<SealedValue> {
    const iv = crypto.getRandomValues(new Uint8Array(12));
    const data = await crypto.subtle.encrypt(
      { name: 'AES-GCM', iv, additionalData: associated(store, stored) },
      keys.seal,
      Uint8Array.from(value),
    );
    return { iv, data };
  }

  async function open(
    store: ChatStoreName,
    stored: string,
    sealed: SealedValue,
  ): Promise<Uint8Array> {
    const plain = await crypto.subtle.decrypt(
      { name: 'AES-GCM', iv: sealed.iv, additionalData: associated(store, stored) },
      keys.seal,
      sealed.data,
    );
    return new Uint8Array(plain);
  }

  return {
    async get(store, key) {
      const stored = await storedKey(key);
      const sealed = (await db.get(store, stored)) as SealedValue | undefined;
      return sealed === undefined ? undefined : open(store, stored, sealed);
    },
    async put(store, key, value) {
      const stored = await storedKey(key);
      await db.put(store, await seal(store, stored, value), stored);
    },
    async delete(store, key) {
      await db.delete(store, await storedKey(key));
    },
    async list(store, group) {
      const hidden = group === undefined ? null : await hide(group);
      const range = hidden === null ? null : IDBKeyRange.bound(`${hidden}/`, `${hidden}/\uffff`);
      const transaction = db.transaction(store, 'readonly');
      const entries: { stored: string; sealed: SealedValue }[] = [];
      let cursor = await transaction.store.openCursor(range);
      while (cursor !== null) {
        // Every key this store writes is a string (storedKey).
        const stored = typeof cursor.key === 'string' ? cursor.key : '';
        entries.push({ stored, sealed: cursor.value as SealedValue });
        cursor = await cursor.continue();
      }
      await transaction.done;
      // Opened after the transaction: WebCrypto's promises would let it auto-commit mid-cursor.
      return Promise.all(entries.map((entry) => open(store, entry.stored, entry.sealed)));
    },
  };
}
