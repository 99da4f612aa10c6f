/** Whether the browser may evict this site's storage (IndexedDB: keys and messages). */
export interface StoragePersistence {
  /** null where the Storage API is missing. */
  persisted(): Promise<boolean | null>;
  /** Asks the browser to keep this site's data; true when granted. */
  persist(): Promise<boolean | null>;
}

// Older Safari and insecure contexts have no navigator.storage, whatever the DOM types say.
const storageManager = (): StorageManager | null =>
  'storage' in navigator ? navigator.storage : null;

export const storagePersistence: StoragePersistence = {
  async persisted() {
    return (await storageManager()?.persisted()) ?? null;
  },
  async persist() {
    return (await storageManager()?.persist()) ?? null;
  },
};
