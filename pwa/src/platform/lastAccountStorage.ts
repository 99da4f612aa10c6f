import { isAccountView, type RememberedAccount } from '../core/account/rememberedAccount.js';
import type { LastAccountStorage } from '../core/ports.js';

const KEY = 'vaultroom.lastAccount';

/**
 * `localStorage` on this origin, holding `{"id": …}` only. A whole account view (handle, names)
 * written by an older version is still read, so that device opens offline once more, and is
 * replaced by the id alone at the next write. Anything unreadable counts as no account.
 */
export const lastAccountStorage: LastAccountStorage = {
  read() {
    try {
      const raw = localStorage.getItem(KEY);
      if (raw === null) return null;
      const parsed: unknown = JSON.parse(raw);
      if (isAccountView(parsed)) return { id: parsed.id, account: parsed };
      return isRememberedId(parsed) ? { id: parsed.id, account: null } : null;
    } catch {
      return null;
    }
  },
  write(account) {
    try {
      if (account === null) localStorage.removeItem(KEY);
      else localStorage.setItem(KEY, JSON.stringify({ id: account.id }));
    } catch {
      // Not kept: the next offline start shows sign-in, as before.
    }
  },
};

function isRememberedId(value: unknown): value is Pick<RememberedAccount, 'id'> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Record<string, unknown>)['id'] === 'string'
  );
}
