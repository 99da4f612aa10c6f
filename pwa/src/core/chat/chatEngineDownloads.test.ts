import sodium from 'libsodium-wrappers';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Fetch } from '../files/tusRequests.js';
import { createMemoryLocalFiles } from '../files/LocalFiles.js';
import type { OpenedAttachment } from './attachmentRead.js';
import { createFakeBlobStore } from './chatEngineTestBlobs.js';
import { createFakeRelay, lastMessage, person, settle } from './chatEngineTestRelay.js';

/*
 * Receiving files: a download cut off resumes from the bytes already written and checked
 * (issue #19), and a kept file is read as a stream from any offset, its copy checked first.
 */

const MIB = 1024 * 1024;
const file = new Uint8Array(MIB + 12_345).map((_, i) => (i * 7 + (i >>> 12)) & 0xff);

async function readAll(opened: OpenedAttachment, from = 0): Promise<Buffer> {
  const pieces: Uint8Array[] = [];
  for await (const piece of opened.read(from)) pieces.push(piece.slice());
  return Buffer.concat(pieces);
}

async function* piecesOf(bytes: Uint8Array): AsyncIterable<Uint8Array> {
  yield await Promise.resolve(bytes);
}

/** A blob GET whose body breaks, as a dropped connection does, after `bytes` bytes. */
function cutAfter(response: Response, bytes: number): Response {
  const reader = response.body?.getReader();
  let sent = 0;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (sent >= bytes) {
        controller.error(new TypeError('network error'));
        return;
      }
      const step = await reader?.read();
      if (step === undefined || step.done) {
        controller.close();
        return;
      }
      const piece = step.value.subarray(0, bytes - sent);
      sent += piece.length;
      controller.enqueue(piece);
    },
  });
  return new Response(body, { status: response.status, headers: response.headers });
}

/** Alice sends `file` to Bob; Bob's fetch of blobs goes through `bobFetch`. */
async function sentToBob(wrap: (fetch: Fetch) => Fetch) {
  const blobs = createFakeBlobStore();
  const relay = createFakeRelay();
  const common = { sleep: () => Promise.resolve() };
  const bobFiles = { ...common, fetch: wrap(blobs.fetch), files: createMemoryLocalFiles() };
  const alice = await person(relay, 'alice', undefined, {
    files: { ...common, fetch: blobs.fetch, files: createMemoryLocalFiles() },
  });
  const bob = await person(relay, 'bob', undefined, { files: bobFiles });
  await alice.engine.startConversation('bob');
  await alice.engine.sendFile('bob', {
    name: 'data.bin',
    type: 'application/octet-stream',
    size: file.length,
    read: (offset, length) => Promise.resolve(file.slice(offset, offset + length)),
  });
  await settle();
  const atBob = await lastMessage(bob, 'alice');
  return { relay, bob, bobFiles, atBob, blobs };
}

describe('downloads that resume', () => {
  beforeAll(async () => {
    await sodium.ready;
  });

  it('continues a download cut off, after a reload, from the bytes already checked', async () => {
    const ranges: (string | null)[] = [];
    let cut = true;
    const { relay, bob, bobFiles, atBob } = await sentToBob((fetch) => async (path, init) => {
      ranges.push(new Headers(init.headers).get('Range'));
      const response = await fetch(path, init);
      if (!cut) return response;
      cut = false;
      return cutAfter(response, 300_000);
    });
    await expect(bob.engine.downloadAttachment(atBob.id)).rejects.toMatchObject({
      code: 'NETWORK',
    });
    const partial = (await lastMessage(bob, 'alice')).attachment?.partialFile ?? '';
    expect(await bobFiles.files.size(partial)).toBe(300_000);

    // The page closes and opens again: the record still names the bytes held.
    bob.engine.stop();
    const again = await person(relay, 'bob', bob.store, { files: bobFiles });
    const done = await again.engine.downloadAttachment(atBob.id);
    expect(ranges).toEqual([null, 'bytes=300000-']);
    expect(done.attachment).toMatchObject({ localFile: partial, partialFile: null });
    expect((await readAll(await again.engine.openAttachment(atBob.id))).equals(file)).toBe(true);
  });

  it('fetches anew, never trusting them, held bytes damaged on this device', async () => {
    let cut = true;
    const ranges: (string | null)[] = [];
    const { bob, bobFiles, atBob } = await sentToBob((fetch) => async (path, init) => {
      ranges.push(new Headers(init.headers).get('Range'));
      const response = await fetch(path, init);
      if (!cut) return response;
      cut = false;
      return cutAfter(response, 200_000);
    });
    await expect(bob.engine.downloadAttachment(atBob.id)).rejects.toMatchObject({
      code: 'NETWORK',
    });
    const partial = (await lastMessage(bob, 'alice')).attachment?.partialFile ?? '';
    const held = await bobFiles.files.read(partial, 0, MIB);
    held[150_000] = (held[150_000] ?? 0) ^ 1;
    await bobFiles.files.write(partial, piecesOf(held));
    await bob.engine.downloadAttachment(atBob.id);
    expect(ranges).toEqual([null, null]);
    expect((await readAll(await bob.engine.openAttachment(atBob.id))).equals(file)).toBe(true);
  });

  it('drops the held bytes of a blob the relay no longer has', async () => {
    let cut = true;
    const { bob, bobFiles, atBob, blobs } = await sentToBob((fetch) => async (path, init) => {
      const response = await fetch(path, init);
      if (!cut) return response;
      cut = false;
      return cutAfter(response, 100_000);
    });
    await expect(bob.engine.downloadAttachment(atBob.id)).rejects.toMatchObject({
      code: 'NETWORK',
    });
    expect(bobFiles.files.names()).toHaveLength(1);
    await blobs.fetch(`/api/blobs/${atBob.attachment?.blobId ?? ''}`, { method: 'DELETE' });
    await expect(bob.engine.downloadAttachment(atBob.id)).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    expect(bobFiles.files.names()).toEqual([]);
    expect((await lastMessage(bob, 'alice')).attachment?.partialFile).toBeNull();
  });

  it('keeps nothing of a download the person stopped, and starts the next from zero', async () => {
    const abort = new AbortController();
    const ranges: (string | null)[] = [];
    const { bob, bobFiles, atBob } = await sentToBob((fetch) => async (path, init) => {
      ranges.push(new Headers(init.headers).get('Range'));
      return fetch(path, init);
    });
    const stop = bob.engine.subscribe((event) => {
      if (event.kind === 'transfer') abort.abort();
    });
    await expect(
      bob.engine.downloadAttachment(atBob.id, { signal: abort.signal }),
    ).rejects.toMatchObject({ code: 'CANCELLED' });
    stop();
    expect(bobFiles.files.names()).toEqual([]);
    expect((await lastMessage(bob, 'alice')).attachment?.partialFile).toBeNull();
    await bob.engine.downloadAttachment(atBob.id);
    expect(ranges).toEqual([null, null]);
  });
});

describe('a kept file read as a stream', () => {
  beforeAll(async () => {
    await sodium.ready;
  });

  it('reads the plaintext from any offset', async () => {
    const { bob, atBob } = await sentToBob((fetch) => fetch);
    await bob.engine.downloadAttachment(atBob.id);
    const opened = await bob.engine.openAttachment(atBob.id);
    expect(opened.size).toBe(file.length);
    for (const from of [0, 1, 65_535, 65_536, 700_001, file.length - 1, file.length]) {
      expect((await readAll(opened, from)).equals(file.subarray(from)), `from ${from}`).toBe(true);
    }
  });

  it('refuses a local copy changed since its download before giving a single byte', async () => {
    const { bob, bobFiles, atBob } = await sentToBob((fetch) => fetch);
    const kept = (await bob.engine.downloadAttachment(atBob.id)).attachment?.localFile ?? '';
    const bytes = await bobFiles.files.read(kept, 0, 2 * MIB);
    // The last chunk: a reader that decrypted as it went would have handed out the rest.
    bytes[bytes.length - 5] = (bytes[bytes.length - 5] ?? 0) ^ 1;
    await bobFiles.files.write(kept, piecesOf(bytes));
    await expect(bob.engine.openAttachment(atBob.id)).rejects.toMatchObject({
      code: 'FILE_DAMAGED',
    });
  });
});
