import sodium from 'libsodium-wrappers';
import { beforeAll, describe, expect, it } from 'vitest';
import { createFakeRelay, lastMessage, person, settle } from './chatEngineTestRelay.js';
import { createMemorySealedStore } from './createMemorySealedStore.js';
import type { SealedStore } from './SealedStore.js';

/** A memory store that counts what reaches it: sealed writes, and the transactions they take. */
function countingStore(inner: SealedStore = createMemorySealedStore()) {
  const counts = { writes: 0, transactions: 0 };
  const store: SealedStore = {
    get: (name, key) => inner.get(name, key),
    list: (name, group) => inner.list(name, group),
    put: (name, key, value) => {
      counts.writes += 1;
      counts.transactions += 1;
      return inner.put(name, key, value);
    },
    delete: (name, key) => {
      counts.writes += 1;
      counts.transactions += 1;
      return inner.delete(name, key);
    },
    writeBatch: (writes) => {
      counts.writes += writes.length;
      if (writes.length > 0) counts.transactions += 1;
      return inner.writeBatch(writes);
    },
  };
  return { store, counts };
}

/**
 * A memory store whose next read of a conversation can be held back after reading, to let
 * another operation run in between, as a slow disk or a busy main thread would; it also tells
 * when a conversation is written.
 */
function holdingStore(inner: SealedStore = createMemorySealedStore()) {
  let held: ((release: () => void) => void) | null = null;
  const written = new Set<() => void>();
  const store: SealedStore = {
    ...inner,
    async get(name, key) {
      const value = await inner.get(name, key);
      const reached = held;
      if (name === 'conversations' && reached !== null) {
        held = null;
        await new Promise<void>((release) => {
          reached(release);
        });
      }
      return value;
    },
    async put(name, key, value) {
      await inner.put(name, key, value);
      if (name !== 'conversations') return;
      for (const resolve of written) resolve();
      written.clear();
    },
  };
  return {
    store,
    /** Holds the next conversation read; resolves, once that read is reached, to its release. */
    holdNextConversationRead: (): Promise<() => void> =>
      new Promise((reached) => {
        held = reached;
      }),
    nextConversationWrite: (): Promise<void> =>
      new Promise((resolve) => {
        written.add(resolve);
      }),
  };
}

/** A bound on waiting for what must not happen: a few turns of the event loop. */
const turns = async (count: number): Promise<void> => {
  for (let i = 0; i < count; i++) await new Promise((resolve) => setTimeout(resolve, 1));
};

describe('the chat engine’s writes', () => {
  beforeAll(async () => {
    await sodium.ready;
  });

  it('takes a bounded number of sealed writes and transactions to send a message', async () => {
    const relay = createFakeRelay();
    const counted = countingStore();
    const alice = await person(relay, 'alice', counted.store);
    const bob = await person(relay, 'bob');
    await alice.engine.startConversation('bob');
    await alice.engine.sendText('bob', 'warm up: sessions and device lists in place');
    await settle();
    // Bob away: his receipt does not mix its writes into the send's.
    bob.setOnline(false);
    counted.counts.writes = 0;
    counted.counts.transactions = 0;
    await alice.engine.sendText('bob', 'counted');
    await settle();
    expect((await lastMessage(alice, 'bob')).state).toBe('sent');
    // The awaiting mark, the message and its index, the conversation (one transaction); the
    // session and the outbox record (one), the message again and the mark's delete (one); then
    // `sent`: the message and the outbox delete (one).
    expect(counted.counts).toEqual({ writes: 12, transactions: 4 });
  });
});

describe('the chat engine’s writes in order', () => {
  beforeAll(async () => {
    await sodium.ready;
  });

  it('keeps an incoming message’s preview and unread count when a draft is saved meanwhile', async () => {
    const relay = createFakeRelay();
    const alice = await person(relay, 'alice');
    const holding = holdingStore();
    const bob = await person(relay, 'bob', holding.store);
    await alice.engine.startConversation('bob');
    await alice.engine.sendText('bob', 'first');
    await settle();
    await bob.engine.markRead('alice');
    await settle();
    bob.setOnline(false);
    await alice.engine.sendText('bob', 'second');
    await settle();

    // Bob's draft save reads the conversation, and is held there; meanwhile 'second' arrives.
    const reached = holding.holdNextConversationRead();
    const draft = bob.engine.saveDraft('alice', 'half a thought');
    const release = await reached;
    // 'second' arrives while the draft is held; it writes at once unless the engine makes it
    // wait for the draft (then the write never comes while the draft is held).
    const received = holding.nextConversationWrite();
    bob.setOnline(true);
    await Promise.race([received, turns(20)]);
    release();
    await draft;
    await settle();

    const [conversation] = await bob.engine.listConversations();
    expect(conversation).toMatchObject({
      draft: 'half a thought',
      lastText: 'second',
      unread: 1,
    });
  });
});
