import { randomBytes as nodeRandomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  SHARE_CHUNK_BYTES,
  ShareInboxError,
  createShareInboxKeyPair,
  headerFromFields,
  headerToFields,
  openSharedFile,
  sealSharedFile,
  type SealedShareHeader,
} from './shareInboxCipher.js';

const randomBytes = (size: number) => new Uint8Array(nodeRandomBytes(size));

async function inboxKey(keyId = 'inbox-1') {
  return { keyId, ...(await createShareInboxKeyPair()) };
}

/** A Blob of these bytes: copies, so each part owns a plain ArrayBuffer, as Blob parts must. */
function blobOf(parts: readonly Uint8Array[]): Blob {
  return new Blob(parts.map((part) => part.slice()));
}

/** Copies, so each chunk owns a plain ArrayBuffer, as Blob parts must. */
async function readAll(stream: ReadableStream<Uint8Array>): Promise<Uint8Array<ArrayBuffer>[]> {
  const chunks: Uint8Array<ArrayBuffer>[] = [];
  const reader = stream.getReader();
  for (let read = await reader.read(); !read.done; read = await reader.read()) {
    chunks.push(read.value.slice());
  }
  return chunks;
}

async function seal(
  key: Awaited<ReturnType<typeof inboxKey>>,
  bytes: Uint8Array<ArrayBuffer>,
  name = 'a.bin',
) {
  const { header, body } = await sealSharedFile(key, new File([bytes], name, { type: 'x/y' }));
  return { header, chunks: await readAll(body) };
}

const codeOf = async (promise: Promise<unknown>) => {
  try {
    await promise;
    return 'opened';
  } catch (error) {
    return error instanceof ShareInboxError ? error.code : String(error);
  }
};

const contains = (haystack: Uint8Array, needle: Uint8Array) =>
  Buffer.from(haystack).includes(Buffer.from(needle));

describe('the share inbox cipher', () => {
  it('round-trips empty, small and multi-chunk files with their name and type', async () => {
    const key = await inboxKey();
    for (const size of [0, 1, SHARE_CHUNK_BYTES, 2 * SHARE_CHUNK_BYTES + 17]) {
      const bytes = randomBytes(size);
      const { header, chunks } = await seal(key, bytes, `file-${String(size)}.bin`);
      expect(chunks.length).toBe(Math.max(1, Math.ceil(size / SHARE_CHUNK_BYTES)));
      const file = await openSharedFile(
        key,
        headerFromFields(new Headers(headerToFields(header))),
        blobOf(chunks),
      );
      expect(file.name).toBe(`file-${String(size)}.bin`);
      expect(file.type).toBe('x/y');
      expect(new Uint8Array(await file.arrayBuffer())).toEqual(bytes);
    }
  });

  it('keeps no byte of the file, nor its name, readable in what it stores', async () => {
    const key = await inboxKey();
    const marker = new TextEncoder().encode(`marker-${crypto.randomUUID()}`);
    const { header, chunks } = await seal(key, marker, 'secret-name.txt');
    const stored = new Uint8Array(
      await blobOf([...chunks, header.meta, header.ephemeral]).arrayBuffer(),
    );
    expect(contains(stored, marker)).toBe(false);
    expect(contains(stored, new TextEncoder().encode('secret-name'))).toBe(false);
  });

  it('refuses a flipped bit, chunks swapped, a chunk dropped, the stream cut or extended: DAMAGED', async () => {
    const key = await inboxKey();
    const bytes = randomBytes(3 * SHARE_CHUNK_BYTES);
    const { header, chunks } = await seal(key, bytes);
    const [a, b, c] = chunks as [Uint8Array, Uint8Array, Uint8Array];
    const flipped = c.slice();
    flipped[5] = (flipped[5] ?? 0) ^ 1;
    const variants: Blob[] = [
      blobOf([a, b, flipped]),
      blobOf([b, a, c]),
      blobOf([a, c, c]),
      blobOf([a, b]),
      blobOf([a, b, c, new Uint8Array(1)]),
      blobOf([a, b, c.subarray(0, c.length - 1)]),
    ];
    for (const variant of variants) {
      expect(await codeOf(openSharedFile(key, header, variant))).toBe('DAMAGED');
    }
    // A two-chunk file whose last chunk was dropped: the first is not sealed as the last.
    const short = await seal(key, randomBytes(SHARE_CHUNK_BYTES + 1));
    const meta: SealedShareHeader = { ...short.header };
    expect(await codeOf(openSharedFile(key, meta, new Blob(short.chunks.slice(0, 1))))).toBe(
      'DAMAGED',
    );
  });

  it('refuses altered details and another file’s details: DAMAGED', async () => {
    const key = await inboxKey();
    const one = await seal(key, new Uint8Array(10));
    const two = await seal(key, new Uint8Array(10));
    const meta = one.header.meta.slice();
    meta[0] = (meta[0] ?? 0) ^ 1;
    expect(await codeOf(openSharedFile(key, { ...one.header, meta }, new Blob(one.chunks)))).toBe(
      'DAMAGED',
    );
    expect(
      await codeOf(
        openSharedFile(key, { ...one.header, meta: two.header.meta }, new Blob(one.chunks)),
      ),
    ).toBe('DAMAGED');
  });

  it('tells a share made for another key (OTHER_KEY), and the wrong private key cannot open it', async () => {
    const key = await inboxKey('one');
    const other = await inboxKey('two');
    const { header, chunks } = await seal(key, new Uint8Array(10));
    expect(await codeOf(openSharedFile(other, header, blobOf(chunks)))).toBe('OTHER_KEY');
    expect(await codeOf(openSharedFile({ ...other, keyId: 'one' }, header, blobOf(chunks)))).toBe(
      'DAMAGED',
    );
  });
});
