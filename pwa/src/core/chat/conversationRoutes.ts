import type { Sodium } from '@vaultroom/shared/crypto';
import { encodeBase64Url } from '@vaultroom/shared';
import type { SealedStore } from './SealedStore.js';

/*
 * The address of an open conversation is kept by the browser itself (history, session restore),
 * outside the sealed store and readable while it is locked. A one-to-one conversation's id is the
 * other person's handle, so the address carries a keyed hash of the id instead: the same on every
 * reload of this device (a reload stays on the conversation), meaningless without the key, which
 * only the unlocked store holds.
 */

/** Beside the device's own record; no group, so no list of the store returns it. */
const ROUTE_KEY = 'conversationRouteKey';
const KEY_BYTES = 32;
/** 128 bits: no two conversations of one device share a route, whoever picks their ids. */
const ROUTE_BYTES = 16;

export interface ConversationRoutes {
  /** The opaque route segment naming this conversation on this device. */
  routeOf(conversationId: string): string;
}

/** The route key of this store, made on first use. */
export async function openConversationRoutes(
  store: SealedStore,
  sodium: Sodium,
): Promise<ConversationRoutes> {
  let key = await store.get('device', ROUTE_KEY);
  if (key?.length !== KEY_BYTES) {
    key = sodium.randombytes_buf(KEY_BYTES);
    await store.put('device', ROUTE_KEY, key);
  }
  return conversationRoutesWith(key, sodium);
}

export function conversationRoutesWith(key: Uint8Array, sodium: Sodium): ConversationRoutes {
  const cache = new Map<string, string>();
  const encoder = new TextEncoder();
  return {
    routeOf(conversationId) {
      let route = cache.get(conversationId);
      if (route === undefined) {
        route = encodeBase64Url(
          sodium.crypto_generichash(ROUTE_BYTES, encoder.encode(conversationId), key),
        );
        cache.set(conversationId, route);
      }
      return route;
    },
  };
}
