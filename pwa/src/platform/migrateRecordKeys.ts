import type { IDBPDatabase } from 'idb';
import { CHAT_STORE_NAMES, type ChatStoreName } from '../core/chat/SealedStore.js';
import {
  RECORD_KEY_FORMAT,
  type RecordSealer,
  type SealedValue,
} from '../core/keystore/createRecordSealer.js';

/** Where a database records the key format its records are stored under. */
export const KEY_FORMAT_ENTRY = 'key-format';

interface Move {
  readonly store: ChatStoreName;
  readonly from: string;
  readonly to: string;
  readonly sealed: SealedValue;
}

/**
 * Moves the records of a database of the first key format, which left the part of a key after
 * its group readable (message ids, times, device ids), to keys hidden whole. Everything is read
 * and re-sealed first (WebCrypto's promises would end a transaction), then written in one
 * transaction with the new format, so an interrupted move leaves the database as it was. Records
 * whose key has no group were already hidden whole and stay.
 */
export async function migrateRecordKeys(
  db: IDBPDatabase,
  keysStore: string,
  sealer: RecordSealer,
): Promise<void> {
  if ((await db.get(keysStore, KEY_FORMAT_ENTRY)) === RECORD_KEY_FORMAT) return;
  const moves: Move[] = [];
  for (const store of CHAT_STORE_NAMES) {
    const reading = db.transaction(store, 'readonly');
    const [storedKeys, values] = await Promise.all([
      reading.store.getAllKeys(),
      reading.store.getAll() as Promise<SealedValue[]>,
      reading.done,
    ]);
    for (const [index, from] of storedKeys.entries()) {
      const sealed = values[index];
      if (typeof from !== 'string' || sealed === undefined || !from.includes('/')) continue;
      const to = await sealer.hideRest(from);
      const value = await sealer.open(store, from, sealed);
      moves.push({ store, from, to, sealed: await sealer.seal(store, to, value) });
      value.fill(0);
    }
  }
  const transaction = db.transaction([...CHAT_STORE_NAMES, keysStore], 'readwrite');
  await Promise.all([
    ...moves.flatMap((move) => [
      transaction.objectStore(move.store).delete(move.from),
      transaction.objectStore(move.store).put(move.sealed, move.to),
    ]),
    transaction.objectStore(keysStore).put(RECORD_KEY_FORMAT, KEY_FORMAT_ENTRY),
    transaction.done,
  ]);
}
