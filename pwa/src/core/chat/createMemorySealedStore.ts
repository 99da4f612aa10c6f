import type { ChatStoreName, SealedStore } from './SealedStore.js';

/** A SealedStore in memory, for tests of the chat core (nothing is sealed: nothing is stored). */
export function createMemorySealedStore(): SealedStore {
  const stores = new Map<ChatStoreName, Map<string, Uint8Array>>();
  const storeOf = (name: ChatStoreName): Map<string, Uint8Array> => {
    let store = stores.get(name);
    if (store === undefined) {
      store = new Map();
      stores.set(name, store);
    }
    return store;
  };
  return {
    get: (name, key) => Promise.resolve(storeOf(name).get(key)?.slice()),
    put: (name, key, value) => {
      storeOf(name).set(key, value.slice());
      return Promise.resolve();
    },
    delete: (name, key) => {
      storeOf(name).delete(key);
      return Promise.resolve();
    },
    writeBatch: (writes) => {
      // Copied first, then applied in one synchronous step: all or nothing, like a transaction.
      const copies = writes.map((write) => ({ ...write, value: write.value?.slice() ?? null }));
      for (const { store, key, value } of copies) {
        if (value === null) storeOf(store).delete(key);
        else storeOf(store).set(key, value);
      }
      return Promise.resolve();
    },
    list: (name, group) => {
      const prefix = group === undefined ? '' : `${group}/`;
      const entries = [...storeOf(name)].filter(([key]) => key.startsWith(prefix));
      // Against key order on purpose: the browser's store hides its keys and so lists in no
      // order, and a caller that forgot to sort should fail here rather than there.
      entries.sort(([a], [b]) => (a < b ? 1 : a > b ? -1 : 0));
      return Promise.resolve(entries.map(([, value]) => value.slice()));
    },
  };
}
