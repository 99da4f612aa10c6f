/**
 * Test support for the chat engine's file tests: the relay's blob API (PROTOCOL.md §2.10) in
 * memory, as a `fetch`: tus creation, HEAD, PATCH, GET with one Range, DELETE. Tests may take it
 * offline, count uploads, and alter or cut a stored blob as a lying relay would. Imported only by
 * tests.
 */
import type { Fetch } from '../files/tusRequests.js';

interface StoredBlob {
  readonly length: number;
  bytes: Uint8Array;
  offset: number;
}

const json = (status: number, code: string) =>
  new Response(JSON.stringify({ error: { code, message: code } }), {
    status,
    headers: { 'Content-Type': 'application/json' },
  });

export function createFakeBlobStore() {
  const blobs = new Map<string, StoredBlob>();
  /** `diskFull`: the relay's disk has no room, and it refuses new uploads with STORAGE_FULL. */
  const state = {
    online: true,
    diskFull: false,
    uploadsCreated: 0,
    downloads: 0,
    deleted: [] as string[],
  };
  let nextId = 1;
  const idOf = (path: string) => path.slice('/api/blobs/'.length);

  const fetch: Fetch = async (path, init) => {
    await Promise.resolve();
    if (!state.online) throw new TypeError('Failed to fetch');
    if (init.signal?.aborted === true) throw new DOMException('aborted', 'AbortError');
    const headers = new Headers(init.headers);
    const method = init.method ?? 'GET';
    if (method === 'POST' && path === '/api/blobs') {
      if (state.diskFull) return json(507, 'STORAGE_FULL');
      const id = `blob${String(nextId++).padStart(39, '0')}`;
      const length = Number(headers.get('Upload-Length'));
      blobs.set(id, { length, bytes: new Uint8Array(length), offset: 0 });
      state.uploadsCreated++;
      return new Response(null, {
        status: 201,
        headers: { Location: `/api/blobs/${id}`, 'Upload-Offset': '0' },
      });
    }
    const blob = blobs.get(idOf(path));
    if (blob === undefined) return json(404, 'NOT_FOUND');
    switch (method) {
      case 'HEAD':
        return new Response(null, {
          status: 200,
          headers: { 'Upload-Offset': String(blob.offset) },
        });
      case 'PATCH': {
        if (Number(headers.get('Upload-Offset')) !== blob.offset) return json(409, 'CONFLICT');
        const body =
          init.body instanceof Blob
            ? new Uint8Array(await init.body.arrayBuffer())
            : (init.body as Uint8Array);
        if (blob.offset + body.length > blob.length) return json(413, 'FILE_TOO_LARGE');
        blob.bytes.set(body, blob.offset);
        blob.offset += body.length;
        return new Response(null, {
          status: 204,
          headers: { 'Upload-Offset': String(blob.offset) },
        });
      }
      case 'GET': {
        if (blob.offset < blob.length) return json(404, 'NOT_FOUND');
        state.downloads++;
        const range = /^bytes=(\d+)-$/.exec(headers.get('Range') ?? '');
        const from = range === null ? 0 : Number(range[1]);
        const body = blob.bytes.slice(from);
        return range === null
          ? new Response(body, { status: 200 })
          : new Response(body, {
              status: 206,
              headers: {
                'Content-Range': `bytes ${String(from)}-${String(blob.bytes.length - 1)}/${String(blob.bytes.length)}`,
              },
            });
      }
      case 'DELETE':
        blobs.delete(idOf(path));
        state.deleted.push(idOf(path));
        return new Response(null, { status: 204 });
      default:
        return json(405, 'NOT_FOUND');
    }
  };

  return {
    fetch,
    state,
    ids: () => [...blobs.keys()],
    /** The stored bytes of a blob, for tests that change them as a lying relay would. */
    bytesOf(id: string): Uint8Array {
      const blob = blobs.get(id);
      if (blob === undefined) throw new Error('no such blob');
      return blob.bytes;
    },
    replaceBytes(id: string, bytes: Uint8Array) {
      const blob = blobs.get(id);
      if (blob === undefined) throw new Error('no such blob');
      blob.bytes = bytes;
    },
  };
}

export type FakeBlobStore = ReturnType<typeof createFakeBlobStore>;
