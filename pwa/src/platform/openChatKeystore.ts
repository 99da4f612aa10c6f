import { deleteDB, openDB, type IDBPDatabase } from 'idb';
import { CHAT_STORE_NAMES } from '../core/chat/SealedStore.js';
import type {
  ChatKeystore,
  ForgetPasskeyOutcome,
  KeystoreOpening,
} from '../core/keystore/ChatKeystore.js';
import {
  RECORD_KEY_FORMAT,
  createRecordSealer,
  resealRecord,
  type RecordSealer,
  type SealedValue,
} from '../core/keystore/createRecordSealer.js';
import {
  KeystoreError,
  createStorageSecret,
  deriveStorageKeys,
  unwrapStorageSecret,
  wrapStorageSecret,
  type StorageKeys,
  type WrapEntry,
} from '../core/keystore/storageSecret.js';
import type { KeystoreKey } from '../core/keystore/keystoreKeySink.js';
import { createIndexedDbSealedStore } from './indexedDbSealedStore.js';
import { KEY_FORMAT_ENTRY, migrateRecordKeys } from './migrateRecordKeys.js';

/*
 * Two databases per account, one per way of sealing, so that moving from one to the other can be
 * interrupted at any point (a reload, a crash) without losing a record:
 *
 * - `vaultroom-chat-<account>`: device keys. Its `storage-keys` store holds `keys`, the
 *   non-extractable seal and name keys: the fallback where no passkey gives a PRF output.
 * - `vaultroom-chat-passkey-<account>`: passkey-sealed. Its `storage-keys` store holds only
 *   `wrap:<credential id>` entries (the storage secret sealed for one passkey) and, for a
 *   database re-sealed from the first kind, `legacy-name` (see createRecordSealer).
 *
 * The passkey database counts only once it has a wrap entry, and that entry is written last: by
 * the transaction that creates an empty database, or after every record has been copied. Until
 * then the device database stays the one that is read, and whatever the passkey one holds is a
 * leftover of an interrupted copy, cleared before the next.
 */
const KEYS_STORE = 'storage-keys';
const DEVICE_KEYS = 'keys';
const LEGACY_NAME = 'legacy-name';
const WRAP_PREFIX = 'wrap:';
const SCHEMA_VERSION = 1;

const deviceDatabaseName = (accountId: string) => `vaultroom-chat-${accountId}`;
const passkeyDatabaseName = (accountId: string) => `vaultroom-chat-passkey-${accountId}`;

function openSchema(name: string): Promise<IDBPDatabase> {
  return openDB(name, SCHEMA_VERSION, {
    upgrade(database) {
      for (const store of CHAT_STORE_NAMES) {
        if (!database.objectStoreNames.contains(store)) database.createObjectStore(store);
      }
      if (!database.objectStoreNames.contains(KEYS_STORE)) database.createObjectStore(KEYS_STORE);
    },
    // Another tab is deleting this database (it moved the records to the passkey one): let it.
    // This tab's chat then fails on its next write and asks for a reload.
    blocking(_current, _next, event) {
      (event.target as IDBDatabase).close();
    },
  });
}

async function readWraps(db: IDBPDatabase): Promise<WrapEntry[]> {
  const range = IDBKeyRange.bound(WRAP_PREFIX, `${WRAP_PREFIX}\uffff`);
  return (await db.getAll(KEYS_STORE, range)) as WrapEntry[];
}

/** Where the browser cannot list databases, says yes: the caller then opens and deletes it. */
async function databaseExists(name: string): Promise<boolean> {
  if (typeof indexedDB.databases !== 'function') return true;
  return (await indexedDB.databases()).some((database) => database.name === name);
}

/** Removes a database without waiting for other tabs to let go of it: the delete is queued. */
function discard(db: IDBPDatabase, name: string): void {
  db.close();
  deleteDB(name).catch((error: unknown) => {
    console.warn('keystore: could not delete', name, error);
  });
}

function passkeyKeystore(
  db: IDBPDatabase,
  accountId: string,
  secret: Uint8Array,
  sealer: RecordSealer,
  wrapped: Set<string>,
): ChatKeystore {
  return {
    store: createIndexedDbSealedStore(db, sealer),
    protection: 'passkey',
    async addPasskeys(offered) {
      for (const key of offered) {
        if (wrapped.has(key.credentialId)) continue;
        const entry = await wrapStorageSecret({
          secret,
          prfOutput: key.prfOutput,
          accountId,
          credentialId: key.credentialId,
        });
        await db.put(KEYS_STORE, entry, `${WRAP_PREFIX}${key.credentialId}`);
        wrapped.add(key.credentialId);
      }
    },
    close() {
      secret.fill(0);
      db.close();
    },
  };
}

function deviceKeystore(db: IDBPDatabase, sealer: RecordSealer): ChatKeystore {
  return {
    store: createIndexedDbSealedStore(db, sealer),
    protection: 'device',
    // Nothing to wrap: this database moves to passkey sealing when it is next opened with a key.
    addPasskeys: () => Promise.resolve(),
    close() {
      db.close();
    },
  };
}

async function createDeviceKeys(db: IDBPDatabase): Promise<StorageKeys> {
  // Non-extractable: script on this origin can use the keys but never read them out. Stored
  // beside the records, they protect against reading records one by one (a leaked export, a
  // debugging tool), not against a copy of the whole browser profile.
  const keys: StorageKeys = {
    seal: await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, [
      'encrypt',
      'decrypt',
    ]),
    name: await crypto.subtle.generateKey({ name: 'HMAC', hash: 'SHA-256' }, false, ['sign']),
  };
  await db.put(KEYS_STORE, keys, DEVICE_KEYS);
  await db.put(KEYS_STORE, RECORD_KEY_FORMAT, KEY_FORMAT_ENTRY);
  return keys;
}

/** Empties every store of the passkey database (a leftover copy) and writes `first` entries. */
async function resetPasskeyDatabase(
  db: IDBPDatabase,
  first: readonly { readonly key: string; readonly value: unknown }[],
): Promise<void> {
  const transaction = db.transaction([...CHAT_STORE_NAMES, KEYS_STORE], 'readwrite');
  await Promise.all([
    ...[...CHAT_STORE_NAMES, KEYS_STORE].map((store) => transaction.objectStore(store).clear()),
    ...first.map((entry) => transaction.objectStore(KEYS_STORE).put(entry.value, entry.key)),
    transaction.done,
  ]);
}

/**
 * Copies every record of the device database into the passkey one under a new storage secret,
 * then writes the wrap entry for `key`, which makes the copy the database that counts. The device
 * database is left untouched until then.
 */
async function reseal(
  accountId: string,
  deviceDb: IDBPDatabase,
  deviceKeys: StorageKeys,
  passkeyDb: IDBPDatabase,
  key: KeystoreKey,
): Promise<ChatKeystore> {
  const secret = createStorageSecret();
  const keys = await deriveStorageKeys(secret);
  const from = createRecordSealer(deviceKeys);
  const to = createRecordSealer(keys, deviceKeys.name);
  await resetPasskeyDatabase(passkeyDb, [
    { key: LEGACY_NAME, value: deviceKeys.name },
    { key: KEY_FORMAT_ENTRY, value: RECORD_KEY_FORMAT },
  ]);
  for (const store of CHAT_STORE_NAMES) {
    const reading = deviceDb.transaction(store, 'readonly');
    const [storedKeys, values] = await Promise.all([
      reading.store.getAllKeys(),
      reading.store.getAll() as Promise<SealedValue[]>,
      reading.done,
    ]);
    // Re-sealed between transactions: an IndexedDB transaction commits as soon as it waits on
    // anything else, such as WebCrypto.
    const records = await Promise.all(
      storedKeys.map((stored, index) => {
        const sealed = values[index];
        // Every key a chat store writes is a string (RecordSealer.storedKey), with a value.
        if (typeof stored !== 'string' || sealed === undefined) {
          throw new Error(`unexpected record in ${store}`);
        }
        return resealRecord(from, to, store, stored, sealed);
      }),
    );
    const transaction = passkeyDb.transaction(store, 'readwrite');
    await Promise.all([
      ...records.map((record) => transaction.store.put(record.sealed, record.stored)),
      transaction.done,
    ]);
  }
  const entry = await wrapStorageSecret({
    secret,
    prfOutput: key.prfOutput,
    accountId,
    credentialId: key.credentialId,
  });
  await passkeyDb.put(KEYS_STORE, entry, `${WRAP_PREFIX}${key.credentialId}`);
  discard(deviceDb, deviceDatabaseName(accountId));
  return passkeyKeystore(passkeyDb, accountId, secret, to, new Set([key.credentialId]));
}

/**
 * Opens one account's chat store in this browser with the PRF outputs held in memory (newest
 * first). A passkey-sealed store without a key that unwraps it is `locked`; a device-key store
 * opened with a key is re-sealed under a passkey first; a new store is passkey-sealed when a key
 * is given, device-sealed otherwise.
 */
export async function openChatKeystore(
  accountId: string,
  offered: readonly KeystoreKey[],
): Promise<KeystoreOpening> {
  const passkeyDb = await openSchema(passkeyDatabaseName(accountId));
  const wraps = await readWraps(passkeyDb);

  if (wraps.length > 0) {
    // A device database still here is what an interrupted clean-up left: its records were all
    // copied before the first wrap entry was written.
    if (await databaseExists(deviceDatabaseName(accountId))) {
      discard(await openSchema(deviceDatabaseName(accountId)), deviceDatabaseName(accountId));
    }
    for (const key of offered) {
      const entry = wraps.find((wrap) => wrap.credentialId === key.credentialId);
      if (entry === undefined) continue;
      let secret: Uint8Array;
      try {
        secret = await unwrapStorageSecret(entry, key.prfOutput, accountId);
      } catch (error) {
        if (error instanceof KeystoreError) continue;
        throw error;
      }
      const legacyName = (await passkeyDb.get(KEYS_STORE, LEGACY_NAME)) as CryptoKey | undefined;
      const sealer = createRecordSealer(await deriveStorageKeys(secret), legacyName);
      await migrateRecordKeys(passkeyDb, KEYS_STORE, sealer);
      const keystore = passkeyKeystore(
        passkeyDb,
        accountId,
        secret,
        sealer,
        new Set(wraps.map((wrap) => wrap.credentialId)),
      );
      // Every other passkey seen on this page opens it from now on too.
      await keystore.addPasskeys(offered);
      return { kind: 'open', keystore };
    }
    passkeyDb.close();
    return {
      kind: 'locked',
      credentialIds: wraps.map((wrap) => wrap.credentialId),
      refused: offered.length > 0,
    };
  }

  const deviceDb = await openSchema(deviceDatabaseName(accountId));
  const deviceKeys = (await deviceDb.get(KEYS_STORE, DEVICE_KEYS)) as StorageKeys | undefined;
  const [key] = offered;

  if (key === undefined) {
    // No PRF output on this device (yet): the device-key fallback. Whatever the passkey database
    // holds without a wrap entry is an interrupted copy that nothing can open any more.
    discard(passkeyDb, passkeyDatabaseName(accountId));
    const sealer = createRecordSealer(deviceKeys ?? (await createDeviceKeys(deviceDb)));
    await migrateRecordKeys(deviceDb, KEYS_STORE, sealer);
    return { kind: 'open', keystore: deviceKeystore(deviceDb, sealer) };
  }

  if (deviceKeys === undefined) {
    // A new store: sealed under a passkey from its first record.
    discard(deviceDb, deviceDatabaseName(accountId));
    const secret = createStorageSecret();
    const entry = await wrapStorageSecret({
      secret,
      prfOutput: key.prfOutput,
      accountId,
      credentialId: key.credentialId,
    });
    await resetPasskeyDatabase(passkeyDb, [
      { key: `${WRAP_PREFIX}${key.credentialId}`, value: entry },
      { key: KEY_FORMAT_ENTRY, value: RECORD_KEY_FORMAT },
    ]);
    const keystore = passkeyKeystore(
      passkeyDb,
      accountId,
      secret,
      createRecordSealer(await deriveStorageKeys(secret)),
      new Set([key.credentialId]),
    );
    await keystore.addPasskeys(offered);
    return { kind: 'open', keystore };
  }

  // A device database of the first key format moves to the current one before it is copied:
  // the copy computes its keys from the device database's stored keys.
  const deviceSealer = createRecordSealer(deviceKeys);
  await migrateRecordKeys(deviceDb, KEYS_STORE, deviceSealer);
  try {
    const keystore = await reseal(accountId, deviceDb, deviceKeys, passkeyDb, key);
    await keystore.addPasskeys(offered);
    return { kind: 'open', keystore };
  } catch (error) {
    // The device database is intact (it is removed only after the copy is complete): keep
    // using it, and try again at the next sign-in.
    console.warn('keystore: could not re-seal under the passkey', error);
    passkeyDb.close();
    return { kind: 'open', keystore: deviceKeystore(deviceDb, deviceSealer) };
  }
}

/**
 * Removes a passkey's wrap entry on this device, unless it is the last one: the records would
 * then open with no passkey at all. Needs no key: deleting an entry reveals nothing.
 */
export async function forgetPasskeyWrap(
  accountId: string,
  credentialId: string,
): Promise<ForgetPasskeyOutcome> {
  const db = await openSchema(passkeyDatabaseName(accountId));
  try {
    const wraps = await readWraps(db);
    if (!wraps.some((wrap) => wrap.credentialId === credentialId)) return 'absent';
    if (wraps.length === 1) return 'last';
    await db.delete(KEYS_STORE, `${WRAP_PREFIX}${credentialId}`);
    return 'removed';
  } finally {
    db.close();
  }
}

/**
 * Deletes this device's chat store for an account, both kinds: for a person who can no longer
 * unlock it (every passkey that could is gone). The chat then starts afresh as a new device.
 */
export async function deleteChatStore(accountId: string): Promise<void> {
  await Promise.all([
    deleteDB(passkeyDatabaseName(accountId)),
    deleteDB(deviceDatabaseName(accountId)),
  ]);
}
