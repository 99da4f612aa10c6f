/**
 * Files another app shared to VaultRoom (Web Share Target), between the service worker that
 * receives them and the page that sends them: a Cache of its own, one entry per file, read once
 * and emptied. The files wait there in the clear for the moment it takes the page to open, as a
 * file the person picked waits in their own file system; the page deletes them as soon as it
 * has read them, or when the person declines.
 */
export const SHARE_INBOX_CACHE = 'vaultroom-share-inbox';
/** Where the manifest's `share_target` posts (`multipart/form-data`, field `files`). */
export const SHARE_TARGET_PATH = '/share';
/** Where the worker sends the page once the files are kept. */
export const SHARE_LANDING = '/conversations?share=1';

const entryUrl = (index: number) => `/share-inbox/${String(index)}`;
const NAME_HEADER = 'X-File-Name';

/** Keeps the shared files (in the worker); replaces an earlier share not picked up. */
export async function keepSharedFiles(caches: CacheStorage, files: readonly File[]): Promise<void> {
  await caches.delete(SHARE_INBOX_CACHE);
  const cache = await caches.open(SHARE_INBOX_CACHE);
  await Promise.all(
    files.map((file, index) =>
      cache.put(
        entryUrl(index),
        new Response(file, {
          headers: {
            'Content-Type': file.type === '' ? 'application/octet-stream' : file.type,
            [NAME_HEADER]: encodeURIComponent(file.name),
          },
        }),
      ),
    ),
  );
}

/** Takes the shared files (in the page) and empties the inbox. */
export async function takeSharedFiles(caches: CacheStorage): Promise<File[]> {
  if (!(await caches.has(SHARE_INBOX_CACHE))) return [];
  const cache = await caches.open(SHARE_INBOX_CACHE);
  const files: File[] = [];
  for (const request of await cache.keys()) {
    const response = await cache.match(request);
    if (response === undefined) continue;
    const name = decodeURIComponent(response.headers.get(NAME_HEADER) ?? 'file');
    const type = response.headers.get('Content-Type') ?? '';
    files.push(new File([await response.blob()], name, { type }));
  }
  await caches.delete(SHARE_INBOX_CACHE);
  return files;
}

/** Empties the inbox without reading it: the person declined. */
export async function clearSharedFiles(caches: CacheStorage): Promise<void> {
  await caches.delete(SHARE_INBOX_CACHE);
}
