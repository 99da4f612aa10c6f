import type { AccountView } from '@vaultroom/shared';
import type { LastAccountStorage } from '../core/ports.js';

const KEY = 'vaultroom.lastAccount';

function isAccountView(value: unknown): value is AccountView {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  return (
    typeof record['id'] === 'string' &&
    typeof record['handle'] === 'string' &&
    typeof record['displayName'] === 'string' &&
    (record['role'] === 'admin' || record['role'] === 'member') &&
    typeof record['createdAt'] === 'string'
  );
}

/** `localStorage` on this origin; anything unreadable counts as no account. */
export const lastAccountStorage: LastAccountStorage = {
  read() {
    try {
      const raw = localStorage.getItem(KEY);
      if (raw === null) return null;
      const parsed: unknown = JSON.parse(raw);
      return isAccountView(parsed) ? parsed : null;
    } catch {
      return null;
    }
  },
  write(account) {
    try {
      if (account === null) localStorage.removeItem(KEY);
      else localStorage.setItem(KEY, JSON.stringify(account));
    } catch {
      // Not kept: the next offline start shows sign-in, as before.
    }
  },
};
