import type { AccountView } from '@vaultroom/shared';
import { createRoot, createSignal } from 'solid-js';
import { describe, expect, it, vi } from 'vitest';
import type { ChatEngine } from '../core/chat/createChatEngine.js';
import type { ChatKeystore } from '../core/keystore/ChatKeystore.js';
import type { KeystoreKey } from '../core/keystore/keystoreKeySink.js';
import { PasskeyCancelledError } from '../core/account/passkeyErrors.js';
import type { ChatOpening } from '../core/ports.js';
import type { ConversationRoutes } from '../core/chat/conversationRoutes.js';
import { createChatLock, type ChatLock, type ChatLockServices } from './createChatLock.js';

/** Routes are the chat's own business: the lock only hands them on. */
const routes: ConversationRoutes = { routeOf: (id) => `route-${id}` };

const alice: AccountView = {
  id: 'acct',
  handle: 'alice',
  displayName: 'Alice',
  role: 'member',
  createdAt: '',
};
const key = (credentialId: string): KeystoreKey => ({
  credentialId,
  prfOutput: new Uint8Array(32).fill(1),
});

function setup(openings: ChatOpening[]) {
  const [keysChanged, setKeysChanged] = createSignal(0);
  let held: KeystoreKey[] = [];
  const services: ChatLockServices = {
    account: () => alice,
    open: vi.fn(() => {
      const next = openings.shift();
      if (next === undefined) throw new Error('no more openings');
      return Promise.resolve(next);
    }),
    heldKeys: () => held,
    keysChanged,
    acceptKey: vi.fn((k: KeystoreKey) => {
      held = [k, ...held];
      setKeysChanged((n) => n + 1);
      // Solid's effects do not run in Node: do what the lock's effect does in the browser.
      lock.keysChanged();
    }),
    forgetKey: vi.fn(),
    unlockCeremony: vi.fn(() => Promise.resolve<KeystoreKey | null>(key('a'))),
    forgetPasskeyWrap: vi.fn(() => Promise.resolve('removed' as const)),
    deleteStore: vi.fn(() => Promise.resolve()),
  };
  const lock: ChatLock = createRoot(() => createChatLock(services));
  return {
    lock,
    services,
    hold: (k: KeystoreKey) => {
      services.acceptKey(k);
    },
  };
}

function engine() {
  const stop = vi.fn();
  return { engine: { stop } as unknown as ChatEngine, stop };
}
function keystore(protection: 'passkey' | 'device') {
  const addPasskeys = vi.fn(() => Promise.resolve());
  const close = vi.fn();
  const store: ChatKeystore = {
    store: {} as ChatKeystore['store'],
    protection,
    addPasskeys,
    close,
  };
  return { store, addPasskeys, close };
}

describe('the chat lock', () => {
  it('reports a locked store and the passkeys that open it', async () => {
    const { lock } = setup([{ kind: 'locked', credentialIds: ['a', 'b'], refused: false }]);
    expect(await lock.openEngine(alice)).toBeNull();
    expect(lock.state()).toEqual({ kind: 'locked', credentialIds: ['a', 'b'], refused: false });
    expect(lock.protection()).toBeNull();
  });

  it('unlocks by asking exactly those passkeys, then asks the chat to open again', async () => {
    const { lock, services } = setup([{ kind: 'locked', credentialIds: ['a'], refused: false }]);
    await lock.openEngine(alice);
    const before = lock.reopenRequests();
    expect(await lock.unlock()).toBe('unlocking');
    expect(services.unlockCeremony).toHaveBeenCalledWith(['a']);
    expect(services.acceptKey).toHaveBeenCalledWith(key('a'));
    expect(lock.reopenRequests()).toBe(before + 1);
  });

  it('stays locked, quietly, when the person dismisses the passkey prompt', async () => {
    const { lock, services } = setup([{ kind: 'locked', credentialIds: ['a'], refused: false }]);
    await lock.openEngine(alice);
    vi.mocked(services.unlockCeremony).mockRejectedValueOnce(new PasskeyCancelledError('no'));
    expect(await lock.unlock()).toBe('cancelled');
    expect(services.acceptKey).not.toHaveBeenCalled();
    expect(lock.state().kind).toBe('locked');
  });

  it('says so when the passkey gives no PRF output', async () => {
    const { lock, services } = setup([{ kind: 'locked', credentialIds: ['a'], refused: false }]);
    await lock.openEngine(alice);
    vi.mocked(services.unlockCeremony).mockResolvedValueOnce(null);
    expect(await lock.unlock()).toBe('no-prf');
  });

  it('adds a wrap entry for a passkey added while the store is open', async () => {
    const { store, addPasskeys } = keystore('passkey');
    const { lock, hold } = setup([
      { kind: 'open', engine: engine().engine, keystore: store, shareInbox: null, routes },
    ]);
    await lock.openEngine(alice);
    expect(lock.protection()).toBe('passkey');
    hold(key('new'));
    expect(addPasskeys).toHaveBeenCalledWith([key('new')]);
    expect(lock.reopenRequests()).toBe(0);
  });

  it('opens again to re-seal a device-key store once a PRF output arrives', async () => {
    const { lock, hold } = setup([
      {
        kind: 'open',
        engine: engine().engine,
        keystore: keystore('device').store,
        shareInbox: null,
        routes,
      },
    ]);
    await lock.openEngine(alice);
    expect(lock.protection()).toBe('device');
    hold(key('a'));
    expect(lock.reopenRequests()).toBe(1);
  });

  it('closes the store with the chat and forgets its protection', async () => {
    const { store, close } = keystore('passkey');
    const inner = engine();
    const { lock } = setup([
      { kind: 'open', engine: inner.engine, keystore: store, shareInbox: null, routes },
    ]);
    const opened = await lock.openEngine(alice);
    opened?.stop();
    expect(inner.stop).toHaveBeenCalled();
    expect(close).toHaveBeenCalled();
    expect(lock.protection()).toBeNull();
  });

  it('drops a removed passkey’s output and wrap entry', async () => {
    const { lock, services } = setup([]);
    expect(await lock.passkeyRemoved('a')).toBe('removed');
    expect(services.forgetKey).toHaveBeenCalledWith('a');
    expect(services.forgetPasskeyWrap).toHaveBeenCalledWith('acct', 'a');
  });

  it('starts over only from a locked store: deletes it and opens the chat again', async () => {
    const { lock, services } = setup([{ kind: 'locked', credentialIds: ['a'], refused: false }]);
    await lock.startOver();
    expect(services.deleteStore).not.toHaveBeenCalled();
    await lock.openEngine(alice);
    await lock.startOver();
    expect(services.deleteStore).toHaveBeenCalledWith('acct');
    expect(lock.state().kind).toBe('none');
    expect(lock.reopenRequests()).toBe(1);
  });
});
