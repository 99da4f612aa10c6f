import type { AccountView } from '@vaultroom/shared';
import { describe, expect, it } from 'vitest';
import { createMemorySealedStore } from '../chat/createMemorySealedStore.js';
import {
  accountKnownOnlyById,
  isAccountKnown,
  readSealedAccountCopy,
  sealAccountCopy,
} from './rememberedAccount.js';

const alice: AccountView = {
  id: 'acct-alice',
  handle: 'alice',
  displayName: 'Alice',
  role: 'member',
  createdAt: '2026-12-01T10:00:00.000Z',
};

describe('the account remembered for an offline start', () => {
  it('knows only the id before the store is unlocked', () => {
    const standIn = accountKnownOnlyById('acct-alice');
    expect(isAccountKnown(standIn)).toBe(false);
    expect(standIn.id).toBe('acct-alice');
    expect(isAccountKnown(alice)).toBe(true);
  });

  it('gets the handle and names back from the sealed store', async () => {
    const store = createMemorySealedStore();
    expect(await readSealedAccountCopy(store, alice.id)).toBeNull();
    await sealAccountCopy(store, alice);
    expect(await readSealedAccountCopy(store, alice.id)).toEqual(alice);
  });

  it('refuses a copy of another account, or one it cannot read', async () => {
    const store = createMemorySealedStore();
    await sealAccountCopy(store, alice);
    expect(await readSealedAccountCopy(store, 'acct-bob')).toBeNull();
    await store.put('device', 'account', new TextEncoder().encode('{"id":"acct-alice"'));
    expect(await readSealedAccountCopy(store, alice.id)).toBeNull();
  });

  it('is kept beside the device record, not in any group a listing returns', async () => {
    const store = createMemorySealedStore();
    await sealAccountCopy(store, alice);
    expect(await store.list('device', 'pending')).toEqual([]);
    expect(await store.list('device', 'awaiting')).toEqual([]);
  });
});
