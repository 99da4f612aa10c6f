import type { PreferenceStorage } from '../core/ports.js';
const PREFIX = 'vaultroom.preference.';

/**
 * `localStorage`, tolerant of browsers that refuse it (storage disabled, quota): preferences then
 * last for the session only, which is better than a broken page.
 */
export const preferenceStorage: PreferenceStorage = {
  read(key) {
    try {
      return localStorage.getItem(PREFIX + key);
    } catch {
      return null;
    }
  },
  write(key, value) {
    try {
      localStorage.setItem(PREFIX + key, value);
    } catch {
      // Not persisted; the choice still applies to this page.
    }
  },
};
