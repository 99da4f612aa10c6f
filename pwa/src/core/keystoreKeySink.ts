/**
 * Where a PRF-derived keystore key goes once a ceremony yields one. The key is kept in memory
 * only; sealing the IndexedDB keystore with it comes later, behind this same port.
 */
export interface KeystoreKeySink {
  accept(key: Uint8Array): void;
  /** Forgets the key, e.g. on sign-out. */
  clear(): void;
}

export interface MemoryKeystoreKeySink extends KeystoreKeySink {
  /** Whether a key is held right now (never the key itself). */
  hasKey(): boolean;
}

/** Keeps the last key in memory; clearing overwrites it before dropping the reference. */
export function createMemoryKeystoreKeySink(): MemoryKeystoreKeySink {
  let key: Uint8Array | null = null;
  return {
    accept(next) {
      key?.fill(0);
      key = new Uint8Array(next);
    },
    clear() {
      key?.fill(0);
      key = null;
    },
    hasKey: () => key !== null,
  };
}
