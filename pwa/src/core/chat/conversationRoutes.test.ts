import sodium from 'libsodium-wrappers';
import { beforeAll, describe, expect, it } from 'vitest';
import { createMemorySealedStore } from './createMemorySealedStore.js';
import { openConversationRoutes } from './conversationRoutes.js';

beforeAll(async () => {
  await sodium.ready;
});

describe('conversation routes', () => {
  it('names a conversation by a keyed hash, never by its id (a handle)', async () => {
    const routes = await openConversationRoutes(createMemorySealedStore(), sodium);
    const route = routes.routeOf('alice');
    expect(route).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(route.toLowerCase()).not.toContain('alice');
    expect(routes.routeOf('bob')).not.toBe(route);
  });

  it('gives the same route after a reopen of the same store, and another on another device', async () => {
    const store = createMemorySealedStore();
    const first = (await openConversationRoutes(store, sodium)).routeOf('alice');
    const again = (await openConversationRoutes(store, sodium)).routeOf('alice');
    const elsewhere = (await openConversationRoutes(createMemorySealedStore(), sodium)).routeOf(
      'alice',
    );
    expect(again).toBe(first);
    expect(elsewhere).not.toBe(first);
  });
});
