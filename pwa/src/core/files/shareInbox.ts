import { decodeBase64Url, encodeBase64Url } from '@vaultroom/shared';
import {
  ShareInboxError,
  headerFromFields,
  headerToFields,
  openSharedFile,
  sealSharedFile,
  type ShareInboxPublicKey,
} from './shareInboxCipher.js';

/**
 * Files another app shared to VaultRoom (Web Share Target), between the service worker that
 * receives them and the page that sends them. The worker cannot wait for the chat to be unlocked,
 * so it encrypts each file to the inbox key the unlocked page published (shareInboxCipher.ts) and
 * keeps only the ciphertext, in a Cache of its own; the page opens and empties it once unlocked.
 * Without a published key (the chat was never opened in this browser) nothing is kept: the
 * share is refused.
 */
export const SHARE_INBOX_CACHE = 'vaultroom-share-inbox';
/** Where the public inbox key waits for the worker. */
const SHARE_KEY_CACHE = 'vaultroom-share-key';
const SHARE_KEY_URL = '/share-inbox-key';
/** Where the manifest's `share_target` posts (`multipart/form-data`, field `files`). */
export const SHARE_TARGET_PATH = '/share';
/** Where the worker sends the page once the files are kept. */
export const SHARE_LANDING = '/conversations?share=1';

/** The inbox key as the page holds it, its private half out of the sealed chat store. */
export interface ShareInboxKey extends ShareInboxPublicKey {
  /** PKCS #8. */
  readonly privateKey: Uint8Array;
}

/** Publishes the public half of the inbox key for the worker (in the page, once unlocked). */
export async function publishShareInboxKey(
  caches: CacheStorage,
  key: ShareInboxPublicKey,
): Promise<void> {
  const cache = await caches.open(SHARE_KEY_CACHE);
  const body = JSON.stringify({ keyId: key.keyId, publicKey: encodeBase64Url(key.publicKey) });
  await cache.put(SHARE_KEY_URL, new Response(body));
}

async function readShareInboxKey(caches: CacheStorage): Promise<ShareInboxPublicKey | null> {
  const stored = await (await caches.open(SHARE_KEY_CACHE)).match(SHARE_KEY_URL);
  if (stored === undefined) return null;
  try {
    const { keyId, publicKey } = (await stored.json()) as { keyId?: unknown; publicKey?: unknown };
    if (typeof keyId !== 'string' || typeof publicKey !== 'string') return null;
    return { keyId, publicKey: decodeBase64Url(publicKey) };
  } catch {
    return null;
  }
}

/**
 * Keeps the shared files, encrypted, beside any not yet picked up (in the worker). `no-key`:
 * this browser has no inbox key, and nothing was kept.
 */
export async function keepSharedFiles(
  caches: CacheStorage,
  files: readonly File[],
): Promise<'kept' | 'no-key'> {
  const key = await readShareInboxKey(caches);
  if (key === null) return 'no-key';
  const cache = await caches.open(SHARE_INBOX_CACHE);
  const share = encodeBase64Url(crypto.getRandomValues(new Uint8Array(12)));
  const kept: string[] = [];
  try {
    for (const [index, file] of files.entries()) {
      const { header, body } = await sealSharedFile(key, file);
      const url = `/share-inbox/${share}/${String(index)}`;
      await cache.put(
        url,
        new Response(body, {
          headers: { 'Content-Type': 'application/octet-stream', ...headerToFields(header) },
        }),
      );
      kept.push(url);
    }
  } catch (error) {
    // All of a share or none of it (the person is told that nothing was kept).
    await Promise.all(kept.map((url) => cache.delete(url)));
    throw error;
  }
  return 'kept';
}

/** What the page got out of the inbox. */
export interface TakenShares {
  readonly files: File[];
  /** Files that did not open (altered or cut): removed, and the person is told. */
  readonly damaged: number;
}

/**
 * Takes the files shared to `key` (in the page, once unlocked), oldest share first, and removes
 * them from the inbox; shares made to another account's key on this browser stay for it.
 */
export async function takeSharedFiles(
  caches: CacheStorage,
  key: ShareInboxKey,
): Promise<TakenShares> {
  if (!(await caches.has(SHARE_INBOX_CACHE))) return { files: [], damaged: 0 };
  const cache = await caches.open(SHARE_INBOX_CACHE);
  const files: File[] = [];
  let damaged = 0;
  for (const request of await cache.keys()) {
    const response = await cache.match(request);
    if (response === undefined) continue;
    try {
      files.push(
        await openSharedFile(key, headerFromFields(response.headers), await response.blob()),
      );
    } catch (error) {
      if (error instanceof ShareInboxError && error.code === 'OTHER_KEY') continue;
      damaged += 1;
    }
    await cache.delete(request);
  }
  // Nothing left for another account: no trace of the inbox at all.
  if ((await cache.keys()).length === 0) await caches.delete(SHARE_INBOX_CACHE);
  return { files, damaged };
}
