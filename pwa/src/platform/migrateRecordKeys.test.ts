import 'fake-indexeddb/auto';
import { deleteDB, openDB, type IDBPDatabase } from 'idb';
import { afterEach, describe, expect, it } from 'vitest';
import { CHAT_STORE_NAMES } from '../core/chat/SealedStore.js';
import {
  RECORD_KEY_FORMAT,
  createRecordSealer,
  type RecordSealer,
} from '../core/keystore/createRecordSealer.js';
import { createStorageSecret, deriveStorageKeys } from '../core/keystore/storageSecret.js';
import { createIndexedDbSealedStore } from './indexedDbSealedStore.js';
import { KEY_FORMAT_ENTRY, migrateRecordKeys } from './migrateRecordKeys.js';

const KEYS = 'storage-keys';
const NAME = 'vaultroom-chat-test';
const text = (value: string) => new TextEncoder().encode(value);
const read = (value: Uint8Array | undefined) =>
  value === undefined ? undefined : new TextDecoder().decode(value);

async function openTestDb(): Promise<IDBPDatabase> {
  return openDB(NAME, 1, {
    upgrade(database) {
      for (const store of CHAT_STORE_NAMES) database.createObjectStore(store);
      database.createObjectStore(KEYS);
    },
  });
}

/** Writes a record as the first key format did: the group hidden, the rest as it was. */
async function putFirstFormat(
  db: IDBPDatabase,
  sealer: RecordSealer,
  key: string,
  value: string,
): Promise<string> {
  const slash = key.indexOf('/');
  const stored =
    slash < 0
      ? await sealer.storedKey(key)
      : `${await sealer.hide(key.slice(0, slash))}/${key.slice(slash + 1)}`;
  await db.put('messages', await sealer.seal('messages', stored, text(value)), stored);
  return stored;
}

describe('moving a database to keys hidden whole', () => {
  afterEach(async () => {
    await deleteDB(NAME);
  });

  it('moves every grouped record under its hidden key, once, and the chat reads them', async () => {
    const db = await openTestDb();
    const sealer = createRecordSealer(await deriveStorageKeys(createStorageSecret()));
    const readable = await putFirstFormat(db, sealer, 'bob/000001733400000000-m1', 'first');
    await putFirstFormat(db, sealer, 'bob/000001733400000001-m2', 'second');
    await putFirstFormat(db, sealer, 'self', 'whole');
    expect(readable).toContain('000001733400000000-m1');

    await migrateRecordKeys(db, KEYS, sealer);
    const keys = (await db.getAllKeys('messages')).map(String);
    expect(keys).toHaveLength(3);
    expect(keys.every((key) => /^[0-9a-f]{32}(\/[0-9a-f]{32})?$/.test(key))).toBe(true);
    expect(await db.get(KEYS, KEY_FORMAT_ENTRY)).toBe(RECORD_KEY_FORMAT);

    const store = createIndexedDbSealedStore(db, sealer);
    expect(read(await store.get('messages', 'bob/000001733400000000-m1'))).toBe('first');
    expect(read(await store.get('messages', 'self'))).toBe('whole');
    expect((await store.list('messages', 'bob')).map(read).sort()).toEqual(['first', 'second']);

    // A second open finds the format recorded and moves nothing.
    await migrateRecordKeys(db, KEYS, sealer);
    expect((await db.getAllKeys('messages')).map(String).sort()).toEqual([...keys].sort());
    db.close();
  });

  it('leaves the database as it was when a record does not open', async () => {
    const db = await openTestDb();
    const sealer = createRecordSealer(await deriveStorageKeys(createStorageSecret()));
    const good = await putFirstFormat(db, sealer, 'bob/1', 'fine');
    // A record sealed under another key: opening it fails half-way through the move.
    const other = createRecordSealer(await deriveStorageKeys(createStorageSecret()));
    await putFirstFormat(db, other, 'carol/2', 'foreign');

    await expect(migrateRecordKeys(db, KEYS, sealer)).rejects.toThrow();
    expect((await db.getAllKeys('messages')).map(String)).toContain(good);
    expect(await db.get(KEYS, KEY_FORMAT_ENTRY)).toBeUndefined();
    db.close();
  });
});
