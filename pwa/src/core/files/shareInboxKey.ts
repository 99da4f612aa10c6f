import { decodeBase64Url, encodeBase64Url } from '@vaultroom/shared';
import type { SealedStore } from '../chat/SealedStore.js';
import { publishShareInboxKey, type ShareInboxKey } from './shareInbox.js';
import { createShareInboxKeyPair } from './shareInboxCipher.js';

/** The sealed record of the inbox key: the private half never lies anywhere else. */
const RECORD = { store: 'device', key: 'share-inbox-key' } as const;

function encode(key: ShareInboxKey): Uint8Array {
  return new TextEncoder().encode(
    JSON.stringify({
      keyId: key.keyId,
      publicKey: encodeBase64Url(key.publicKey),
      privateKey: encodeBase64Url(key.privateKey),
    }),
  );
}

function decode(bytes: Uint8Array): ShareInboxKey | null {
  try {
    const value = JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
    const { keyId, publicKey, privateKey } = value;
    if (typeof keyId !== 'string' || typeof publicKey !== 'string') return null;
    if (typeof privateKey !== 'string') return null;
    return {
      keyId,
      publicKey: decodeBase64Url(publicKey),
      privateKey: decodeBase64Url(privateKey),
    };
  } catch {
    return null;
  }
}

/**
 * The share inbox's key of this chat store (once unlocked): made on first use and kept in the
 * sealed store, and its public half published for the service worker at every opening, so that
 * the account opened last in this browser is the one files shared from other apps go to.
 */
export async function openShareInboxKey(
  store: SealedStore,
  caches: CacheStorage,
): Promise<ShareInboxKey> {
  const stored = await store.get(RECORD.store, RECORD.key);
  let key = stored === undefined ? null : decode(stored);
  if (key === null) {
    const pair = await createShareInboxKeyPair();
    key = {
      keyId: encodeBase64Url(crypto.getRandomValues(new Uint8Array(12))),
      ...pair,
    };
    await store.put(RECORD.store, RECORD.key, encode(key));
  }
  await publishShareInboxKey(caches, key);
  return key;
}
