import { BLOB_API } from '@vaultroom/shared';
import { describe, expect, it } from 'vitest';
import type { ApiRequestError } from '../relay/ApiRequestError.js';
import type { Fetch } from './tusRequests.js';
import { uploadBlob } from './uploadBlob.js';

/**
 * An in-memory relay speaking the blob API's tus subset, with faults on demand: a PATCH that
 * stores part of its body and then drops the connection, a restart (offsets kept), a refusal.
 */
function fakeRelay(options: { dropAfterBytes?: number[]; quotaBytes?: number } = {}) {
  const uploads = new Map<string, { length: number; bytes: number[] }>();
  const drops = [...(options.dropAfterBytes ?? [])];
  let patches = 0;
  const json = (status: number, code: string) =>
    new Response(JSON.stringify({ error: { code, message: code } }), {
      status,
      headers: { 'Content-Type': 'application/json' },
    });
  const fetchFn: Fetch = async (path, init) => {
    const headers = init.headers as Record<string, string>;
    expect(headers['Tus-Resumable']).toBe('1.0.0');
    if (init.method === 'POST') {
      const length = Number(headers['Upload-Length']);
      if (length > (options.quotaBytes ?? Infinity))
        return Promise.resolve(json(403, 'QUOTA_EXCEEDED'));
      const id = `id${uploads.size}`.padEnd(43, 'x');
      uploads.set(id, { length, bytes: [] });
      return Promise.resolve(
        new Response(null, { status: 201, headers: { Location: BLOB_API.blob(id) } }),
      );
    }
    const upload = uploads.get(path.slice(BLOB_API.uploads.length + 1));
    if (upload === undefined) return Promise.resolve(json(404, 'NOT_FOUND'));
    if (init.method === 'HEAD') {
      return Promise.resolve(
        new Response(null, {
          status: 200,
          headers: { 'Upload-Offset': String(upload.bytes.length) },
        }),
      );
    }
    patches++;
    if (Number(headers['Upload-Offset']) !== upload.bytes.length) {
      return Promise.resolve(json(409, 'CONFLICT'));
    }
    const body =
      init.body instanceof Blob
        ? new Uint8Array(await init.body.arrayBuffer())
        : (init.body as Uint8Array);
    const drop = drops.shift();
    if (drop !== undefined) {
      // Part of the body arrived and was made durable; then the connection went.
      upload.bytes.push(...body.subarray(0, drop));
      return Promise.reject(new TypeError('network error'));
    }
    upload.bytes.push(...body);
    return Promise.resolve(
      new Response(null, {
        status: 204,
        headers: { 'Upload-Offset': String(upload.bytes.length) },
      }),
    );
  };
  return { fetchFn, uploads, patches: () => patches };
}

const data = Uint8Array.from({ length: 10_000 }, (_, i) => (i * 7) % 256);
/** A source as a re-encrypting one behaves: it starts at any offset, in pieces of 333 bytes. */
const source = (offset: number) =>
  (async function* () {
    for (let i = offset; i < data.length; i += 333) {
      // A real source awaits the file reader and the encryptor between pieces.
      await Promise.resolve();
      yield data.subarray(i, Math.min(i + 333, data.length));
    }
  })();
const ports = (fetchFn: Fetch, waits: number[] = []) => ({
  fetch: fetchFn,
  sleep: (ms: number) => {
    waits.push(ms);
    return Promise.resolve();
  },
});

describe('uploadBlob', () => {
  it('uploads in pieces and reports each durable offset', async () => {
    const relay = fakeRelay();
    const progress: number[] = [];
    const id = await uploadBlob(ports(relay.fetchFn), {
      length: data.length,
      source,
      pieceBytes: 4096,
      onProgress: (offset) => progress.push(offset),
    });
    expect(progress).toEqual([4096, 8192, 10_000]);
    expect(Uint8Array.from(relay.uploads.get(id)?.bytes ?? [])).toEqual(data);
  });

  it('resumes from the relay’s offset after dropped connections, re-sending only what was lost', async () => {
    const relay = fakeRelay({ dropAfterBytes: [1000, 0, 2500] });
    const waits: number[] = [];
    const id = await uploadBlob(ports(relay.fetchFn, waits), {
      length: data.length,
      source,
      pieceBytes: 4096,
    });
    expect(Uint8Array.from(relay.uploads.get(id)?.bytes ?? [])).toEqual(data);
    expect(waits).toHaveLength(3);
    // Three dropped (at 1000, then nothing, then 3500 bytes in), then 3500 to the end in two.
    expect(relay.patches()).toBe(5);
  });

  it('resumes an upload made before a reload, from the location kept by onCreated', async () => {
    const relay = fakeRelay({ dropAfterBytes: [3000] });
    let kept = '';
    await expect(
      uploadBlob(ports(relay.fetchFn), {
        length: data.length,
        source,
        onCreated: (location) => (kept = location),
        maxAttempts: 1,
      }),
    ).rejects.toMatchObject({ code: 'NETWORK' });
    const id = await uploadBlob(ports(relay.fetchFn), {
      length: data.length,
      source,
      location: kept,
    });
    expect(Uint8Array.from(relay.uploads.get(id)?.bytes ?? [])).toEqual(data);
  });

  it('gives up on a permanent refusal at once, and on a relay that never answers after some tries', async () => {
    const full = fakeRelay({ quotaBytes: 100 });
    const refused = uploadBlob(ports(full.fetchFn), { length: data.length, source });
    await expect(refused).rejects.toMatchObject({ code: 'QUOTA_EXCEEDED', status: 403 });
    const down: Fetch = () => Promise.reject(new TypeError('offline'));
    const waits: number[] = [];
    const error = await uploadBlob(ports(down, waits), {
      length: data.length,
      source,
      location: BLOB_API.blob('x'.repeat(43)),
      maxAttempts: 4,
    }).catch((e: unknown) => e as ApiRequestError);
    expect(error).toMatchObject({ code: 'NETWORK' });
    expect(waits).toHaveLength(3);
  });
});
