import type { AccountView } from '@vaultroom/shared';
import type { SealedStore } from '../chat/SealedStore.js';

/*
 * Which account was signed in last on this device, so the app can open offline on the
 * conversations kept here. Only the account's id stays in the clear (the chat store's database
 * names carry it already); its handle and names are sealed in that store and come back when a
 * passkey unlocks it. A thief of the locked browser profile learns no handle from it.
 */

/** What `localStorage` holds: the id, and a whole view only if an older version wrote it. */
export interface RememberedAccount {
  readonly id: string;
  readonly account: AccountView | null;
}

/** The account while only its id is known: offline, before the chat store is unlocked. */
export function accountKnownOnlyById(id: string): AccountView {
  return { id, handle: '', displayName: '', role: 'member', createdAt: '' };
}

/** False for the stand-in above: its handle and names are not to be shown or used. */
export function isAccountKnown(account: AccountView): boolean {
  return account.handle !== '';
}

export function isAccountView(value: unknown): value is AccountView {
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

// Beside the device's own record ('self'); no group, so no list of the store returns it.
const SEALED_COPY_KEY = 'account';

/** Keeps the account's view in its own sealed store, for the next offline start. */
export async function sealAccountCopy(store: SealedStore, account: AccountView): Promise<void> {
  await store.put('device', SEALED_COPY_KEY, new TextEncoder().encode(JSON.stringify(account)));
}

/** The sealed copy, if this store has one for this very account. */
export async function readSealedAccountCopy(
  store: SealedStore,
  accountId: string,
): Promise<AccountView | null> {
  const bytes = await store.get('device', SEALED_COPY_KEY);
  if (bytes === undefined) return null;
  try {
    const parsed: unknown = JSON.parse(new TextDecoder().decode(bytes));
    return isAccountView(parsed) && parsed.id === accountId ? parsed : null;
  } catch {
    return null;
  }
}
