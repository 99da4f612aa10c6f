import type { ChatStoreName, SealedStore, SealedWrite } from './SealedStore.js';

export interface WriteBuffer {
  /** The store as the operation sees it: its own writes, then what is committed. */
  readonly store: SealedStore;
  /** Writes what the operation wrote so far in one batch (one transaction); nothing if none. */
  flush(): Promise<void>;
}

const slot = (store: ChatStoreName, key: string): string => `${store}\n${key}`;

/**
 * Holds an operation's writes until `flush`, so that one logical operation (a message sent, an
 * envelope received) reaches the disk in one transaction, all or nothing. Reads see the held
 * writes. A listing of a store with held writes flushes them first: listings come back without
 * their keys, so they cannot be merged with what is held.
 */
export function createWriteBuffer(inner: SealedStore): WriteBuffer {
  let held = new Map<string, SealedWrite>();
  /** Writes being committed: still what reads must see until the batch is done. */
  let committing = new Map<string, SealedWrite>();

  const hold = (write: SealedWrite): Promise<void> => {
    const at = slot(write.store, write.key);
    held.delete(at); // re-inserted last: the batch keeps the order of the latest writes
    held.set(at, { ...write, value: write.value?.slice() ?? null });
    return Promise.resolve();
  };

  async function flush(): Promise<void> {
    if (held.size === 0) return;
    committing = held;
    held = new Map();
    try {
      await inner.writeBatch([...committing.values()]);
    } finally {
      committing = new Map();
    }
  }

  const store: SealedStore = {
    get(name, key) {
      const write = held.get(slot(name, key)) ?? committing.get(slot(name, key));
      if (write === undefined) return inner.get(name, key);
      return Promise.resolve(write.value?.slice());
    },
    put: (name, key, value) => hold({ store: name, key, value }),
    delete: (name, key) => hold({ store: name, key, value: null }),
    async writeBatch(writes) {
      for (const write of writes) await hold(write);
    },
    async list(name, group) {
      const prefix = group === undefined ? '' : `${group}/`;
      const touches = (write: SealedWrite) => write.store === name && write.key.startsWith(prefix);
      if ([...held.values()].some(touches)) await flush();
      return inner.list(name, group);
    },
  };
  return { store, flush };
}
