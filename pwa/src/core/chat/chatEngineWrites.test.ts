import sodium from 'libsodium-wrappers';
import { beforeAll, describe, expect, it } from 'vitest';
import { createFakeRelay, lastMessage, person, settle } from './chatEngineTestRelay.js';
import { encodeRecord, sortKeyOf } from './chatRecords.js';
import { createChatRepository } from './createChatRepository.js';
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
    // Over the answered session: this one also tells Bob the checkpoint, once a minute (§1.8.3).
    await alice.engine.sendText('bob', 'warm up: the checkpoint told');
    await settle();
    // Bob away: his receipt does not mix its writes into the send's.
    bob.setOnline(false);
    counted.counts.writes = 0;
    counted.counts.transactions = 0;
    await alice.engine.sendText('bob', 'counted');
    await settle();
    expect((await lastMessage(alice, 'bob')).state).toBe('sent');
    // Written: its pending send, the message and its index, the conversation (one transaction).
    // Encrypted: the session, the pending send's stage, the outbox record (one). The relay's
    // answer: the message, the pending send and the outbox record deleted (one). It was 12
    // writes in 12 transactions before pending sends and batches.
    expect(counted.counts).toEqual({ writes: 10, transactions: 3 });
  });
});

describe('the chat engine’s writes when receiving', () => {
  beforeAll(async () => {
    await sodium.ready;
  });

  it('takes a bounded number of sealed writes and transactions to receive a message', async () => {
    const relay = createFakeRelay();
    const alice = await person(relay, 'alice');
    const counted = countingStore();
    const bob = await person(relay, 'bob', counted.store);
    await alice.engine.startConversation('bob');
    await alice.engine.sendText('bob', 'warm up: sessions and device lists in place');
    await settle();
    await bob.engine.sendText('alice', 'and back');
    await settle();
    counted.counts.writes = 0;
    counted.counts.transactions = 0;
    await alice.engine.sendText('bob', 'counted');
    await settle();
    expect((await lastMessage(bob, 'alice')).text).toBe('counted');
    // Stored with its seen mark, the session and the `delivered` receipt's outbox record (one
    // transaction: the session's key is the same for both, so it is written once); the relay's
    // answer to the receipt deletes that record (one). It was 8 writes in 8 transactions.
    expect(counted.counts).toEqual({ writes: 7, transactions: 2 });
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

describe('the chat engine’s events', () => {
  beforeAll(async () => {
    await sodium.ready;
  });

  it('tells of a message and its conversation only once they are committed', async () => {
    const relay = createFakeRelay();
    const inner = createMemorySealedStore();
    const log: string[] = [];
    const store: SealedStore = {
      ...inner,
      async writeBatch(writes) {
        await inner.writeBatch(writes);
        log.push(`commit ${writes.map((write) => write.store).join(',')}`);
      },
    };
    const alice = await person(relay, 'alice', store);
    await person(relay, 'bob');
    await alice.engine.startConversation('bob');
    await settle();
    alice.setOnline(false);
    log.length = 0;
    alice.engine.subscribe((event) => log.push(`event ${event.kind}`));
    await alice.engine.sendText('bob', 'told after it is stored');
    // What follows (its encryption, queued next) may already have begun: the first three.
    expect(log.slice(0, 3)).toEqual([
      'commit device,messages,messageIndex,conversations',
      'event message',
      'event conversation',
    ]);
  });
});

describe('the chat engine’s pending sends', () => {
  beforeAll(async () => {
    await sodium.ready;
  });

  it('sends after a restart what was written offline before it', async () => {
    const relay = createFakeRelay();
    const alice = await person(relay, 'alice');
    const bob = await person(relay, 'bob');
    await alice.engine.startConversation('bob');
    alice.setOnline(false);
    await alice.engine.sendText('bob', 'written offline, then the tab closed');
    await settle();
    alice.engine.stop();

    const again = await person(relay, 'alice', alice.store);
    await settle();
    expect((await bob.engine.listMessages('alice')).map((m) => m.text)).toEqual([
      'written offline, then the tab closed',
    ]);
    expect((await lastMessage(again, 'bob')).state).toBe('delivered');
    expect(await createChatRepository(alice.store).listPendingSends()).toEqual([]);
  });

  it('sends a message that an earlier version left waiting for keys', async () => {
    const relay = createFakeRelay();
    const alice = await person(relay, 'alice');
    const bob = await person(relay, 'bob');
    await alice.engine.startConversation('bob');
    alice.engine.stop();
    // As the earlier version stored it: an `awaitingKeys` flag and an `awaiting/` mark.
    const id = '0f'.repeat(16);
    const sentAt = Date.now();
    const key = `bob/${sortKeyOf(sentAt, id)}`;
    const legacy = {
      id,
      conversation: 'bob',
      sortKey: sortKeyOf(sentAt, id),
      outgoing: true,
      author: 'alice',
      text: 'left by the earlier version',
      sentAt,
      state: 'queued',
      failure: null,
      awaitingKeys: true,
      fromDevice: null,
    };
    await alice.store.put('messages', key, encodeRecord(legacy));
    await alice.store.put('messageIndex', id, encodeRecord({ key }));
    await alice.store.put('device', `awaiting/${id}`, encodeRecord({ id }));

    const again = await person(relay, 'alice', alice.store);
    await settle();
    expect((await bob.engine.listMessages('alice')).map((m) => m.text)).toEqual([
      'left by the earlier version',
    ]);
    const sent = await lastMessage(again, 'bob');
    expect(sent).toMatchObject({ id, state: 'delivered' });
    expect(sent).not.toHaveProperty('awaitingKeys');
    expect(await alice.store.list('device', 'awaiting')).toEqual([]);
    expect(await createChatRepository(alice.store).listPendingSends()).toEqual([]);
  });
});
