import type { InviteLogKeyStorage } from '../core/ports.js';

const KEY = 'vaultroom.join.logKey';

/**
 * `sessionStorage`: this tab only, gone when it closes. The chat pins the key into its sealed
 * store with the first checkpoint it trusts; before that, a reload of the tab keeps it.
 */
export const inviteLogKeyStorage: InviteLogKeyStorage = {
  read() {
    try {
      return sessionStorage.getItem(KEY);
    } catch {
      return null;
    }
  },
  write(key) {
    try {
      if (key === null) sessionStorage.removeItem(KEY);
      else sessionStorage.setItem(KEY, key);
    } catch {
      // Not kept: the chat then trusts the log's key on first use, and says so.
    }
  },
};

/**
 * Versions before the chat kept the trusted checkpoint left the Security screen's copy in
 * `localStorage` (with the time of the visit that saw it): the sealed store holds it now.
 */
export function forgetLegacyCheckpointCopy(): void {
  try {
    localStorage.removeItem('vaultroom.audit.checkpoint');
  } catch {
    // Storage refused: there is nothing it could have kept either.
  }
}
