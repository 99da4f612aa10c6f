import { describe, expect, it } from 'vitest';
import { createMemorySealedStore } from './createMemorySealedStore.js';
import { createWriteBuffer } from './createWriteBuffer.js';
import type { SealedStore, SealedWrite } from './SealedStore.js';

const bytes = (...values: number[]) => Uint8Array.from(values);

function recordingStore() {
  const inner = createMemorySealedStore();
  const batches: (readonly SealedWrite[])[] = [];
  const store: SealedStore = {
    ...inner,
    writeBatch: (writes) => {
      batches.push(writes);
      return inner.writeBatch(writes);
    },
  };
  return { inner, store, batches };
}

describe('the write buffer', () => {
  it('holds writes, shows them to reads, and commits them in one batch', async () => {
    const { inner, store, batches } = recordingStore();
    await inner.put('conversations', 'bob', bytes(1));
    const buffer = createWriteBuffer(store);
    await buffer.store.put('messages', 'bob/1', bytes(2));
    await buffer.store.put('conversations', 'bob', bytes(3));
    await buffer.store.delete('conversations', 'bob');
    await buffer.store.put('conversations', 'bob', bytes(4));
    expect(await buffer.store.get('conversations', 'bob')).toEqual(bytes(4));
    expect(await inner.get('conversations', 'bob')).toEqual(bytes(1));

    await buffer.flush();
    expect(batches).toHaveLength(1);
    expect(batches[0]?.map((write) => `${write.store} ${write.key}`)).toEqual([
      'messages bob/1',
      'conversations bob',
    ]);
    expect(await inner.get('conversations', 'bob')).toEqual(bytes(4));
    await buffer.flush();
    expect(batches).toHaveLength(1); // nothing held: no empty transaction
  });

  it('commits held writes of a store before listing it', async () => {
    const { store, batches } = recordingStore();
    const buffer = createWriteBuffer(store);
    await buffer.store.put('messages', 'bob/2', bytes(2));
    await buffer.store.put('seen', 'x/1', bytes(9));
    expect(await buffer.store.list('contacts')).toEqual([]);
    expect(batches).toHaveLength(0);
    expect(await buffer.store.list('messages', 'bob')).toEqual([bytes(2)]);
    expect(batches).toHaveLength(1);
  });
});
