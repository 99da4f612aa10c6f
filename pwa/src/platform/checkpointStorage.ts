import type { CheckpointStorage } from '../core/ports.js';
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
