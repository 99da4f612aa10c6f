/** Where the last verified checkpoint of the relay's audit log is kept on this device. */
export interface CheckpointStorage {
  read(): string | null;
  write(value: string): void;
}

const KEY = 'vaultroom.audit.checkpoint';

/**
 * `localStorage`, on this origin only. Losing it only means the next visit trusts on first use
 * again; a browser that refuses storage gets that on every visit.
 */
export const checkpointStorage: CheckpointStorage = {
  read() {
    try {
      return localStorage.getItem(KEY);
    } catch {
      return null;
    }
  },
  write(value) {
    try {
      localStorage.setItem(KEY, value);
    } catch {
      // Not persisted: the comparison still ran for this visit.
    }
  },
};
