import type { StoragePersistence } from '../core/ports.js';
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
