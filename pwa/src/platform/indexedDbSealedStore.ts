import type { IDBPDatabase } from 'idb';
import type { SealedStore } from '../core/chat/SealedStore.js';
import type { RecordSealer, SealedValue } from '../core/keystore/createRecordSealer.js';

/**
 * The chat's records in one account's IndexedDB database, every value sealed by `sealer`
 * (`core/keystore/createRecordSealer.ts`: AES-GCM bound to store and key, groups hidden by a
 * keyed hash). Which keys the sealer holds, and where they come from, is `openChatKeystore`'s.
 */
export function createIndexedDbSealedStore(db: IDBPDatabase, sealer: RecordSealer): SealedStore {
  return {
    async get(store, key) {
      const stored = await sealer.storedKey(key);
      const sealed = (await db.get(store, stored)) as SealedValue | undefined;
      return sealed === undefined ? undefined : sealer.open(store, stored, sealed);
    },
    async put(store, key, value) {
      const stored = await sealer.storedKey(key);
      await db.put(store, await sealer.seal(store, stored, value), stored);
    },
    async delete(store, key) {
      await db.delete(store, await sealer.storedKey(key));
    },
    async writeBatch(writes) {
      if (writes.length === 0) return;
      // Sealed before the transaction opens: an IndexedDB transaction commits on its own as soon
      // as a task passes without a request, and WebCrypto's promises are such a pause.
      const sealed = await Promise.all(
        writes.map(async ({ store, key, value }) => {
          const stored = await sealer.storedKey(key);
          return {
            store,
            stored,
            sealed: value === null ? null : await sealer.seal(store, stored, value),
          };
        }),
      );
      const transaction = db.transaction(
        [...new Set(writes.map((write) => write.store))],
        'readwrite',
      );
      await Promise.all([
        ...sealed.map(({ store, stored, sealed: value }) =>
          value === null
            ? transaction.objectStore(store).delete(stored)
            : transaction.objectStore(store).put(value, stored),
        ),
        transaction.done,
      ]);
    },
    async list(store, group) {
      const hidden = group === undefined ? null : await sealer.hide(group);
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
      return Promise.all(entries.map((entry) => sealer.open(store, entry.stored, entry.sealed)));
    },
  };
}
