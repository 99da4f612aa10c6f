import sodium from 'libsodium-wrappers';
import { beforeAll, describe, expect, it } from 'vitest';
import { createMemoryLocalFiles } from '../files/LocalFiles.js';
import type { OutgoingFile } from './ChatEngine.js';
import type { OpenedAttachment } from './attachmentRead.js';
import { createFakeBlobStore, type FakeBlobStore } from './chatEngineTestBlobs.js';
import { clock, createFakeRelay, lastMessage, person, settle } from './chatEngineTestRelay.js';
import { createChatRepository } from './createChatRepository.js';
import { createMemorySealedStore } from './createMemorySealedStore.js';

const ascii = (text: string) => Array.from(text, (c) => c.charCodeAt(0));
const has = (bytes: Uint8Array, text: string) => Buffer.from(bytes).includes(Buffer.from(text));
const join = (pieces: Uint8Array[]) => new Uint8Array(Buffer.concat(pieces));

/** A kept file's plaintext, read as the app streams it, from byte `from`. */
async function readAll(opened: Promise<OpenedAttachment>, from = 0): Promise<Uint8Array> {
  const pieces: Uint8Array[] = [];
  for await (const piece of (await opened).read(from)) pieces.push(piece.slice());
  return join(pieces);
}

/** A JPEG whose Exif block names a place: the app must not send it. */
function photoWithGps(): Uint8Array {
  const exif = [...ascii('Exif'), 0, 0, ...ascii('MM GPS 48.8584N 2.2945E')];
  return Uint8Array.from([
    ...[0xff, 0xd8],
    ...[0xff, 0xe1, 0, exif.length + 2, ...exif],
    ...[0xff, 0xdb, 0, 67, 0, ...new Array<number>(64).fill(1)],
    ...[0xff, 0xda, 0, 8, 1, 1, 0, 0, 63, 0, 0x12, 0x34],
    ...[0xff, 0xd9],
  ]);
}

const fileOf = (bytes: Uint8Array, name: string, type: string): OutgoingFile => ({
  name,
  type,
  size: bytes.length,
  read: (offset, length) => Promise.resolve(bytes.slice(offset, offset + length)),
});

const thumbnail = Uint8Array.of(0xff, 0xd8, 0xff, 0xd9);

async function withFiles(blobs: FakeBlobStore) {
  const relay = createFakeRelay();
  const files = () => ({
    fetch: blobs.fetch,
    files: createMemoryLocalFiles(),
    sleep: () => Promise.resolve(),
    describePicture: () => Promise.resolve({ width: 640, height: 480, thumbnail }),
  });
  const aliceFiles = files();
  const bobFiles = files();
  const alice = await person(relay, 'alice', undefined, { files: aliceFiles });
  const bob = await person(relay, 'bob', undefined, { files: bobFiles });
  await alice.engine.startConversation('bob');
  return { relay, alice, bob, aliceFiles, bobFiles, files };
}

describe('the chat engine’s files', () => {
  beforeAll(async () => {
    await sodium.ready;
  });

  it('sends a photo without its location: the receiver gets the preview, then the checked bytes', async () => {
    const blobs = createFakeBlobStore();
    const { alice, bob, bobFiles } = await withFiles(blobs);
    const photo = photoWithGps();
    const sent = await alice.engine.sendFile(
      'bob',
      fileOf(photo, 'IMG_1.jpg', 'image/jpeg'),
      ' Paris ',
    );
    expect(sent.metadataRemoved).toBe(true);
    await settle();

    expect(blobs.state.uploadsCreated).toBe(1);
    for (const id of blobs.ids()) expect(has(blobs.bytesOf(id), 'GPS')).toBe(false);
    const atBob = await lastMessage(bob, 'alice');
    expect(atBob).toMatchObject({ text: 'Paris', outgoing: false });
    expect(atBob.attachment).toMatchObject({
      fileName: 'IMG_1.jpg',
      mimeType: 'image/jpeg',
      width: 640,
      height: 480,
      thumbnail,
      localFile: null,
    });
    expect((await bob.engine.listConversations())[0]?.lastText).toBe('Paris');
    expect((await lastMessage(alice, 'bob')).state).toBe('delivered');

    await bob.engine.downloadAttachment(atBob.id);
    const opened = await readAll(bob.engine.openAttachment(atBob.id));
    expect(has(opened, 'GPS')).toBe(false);
    expect(has(photo, 'GPS')).toBe(true);
    expect(opened.length).toBeLessThan(photo.length);
    expect(opened.subarray(opened.length - 4)).toEqual(photo.subarray(photo.length - 4));
    // What Bob keeps is ciphertext: the photo's bytes are not in it.
    const kept = bobFiles.files.names();
    expect(kept).toHaveLength(1);
    const keptBytes = await bobFiles.files.read(kept[0] ?? '', 0, 1 << 20);
    expect(has(keptBytes, String.fromCharCode(0x12, 0x34))).toBe(false);
    // The sender opens its own copy too.
    expect(await readAll(alice.engine.openAttachment(sent.message.id))).toEqual(opened);
  });

  it('refuses a blob the relay altered or cut, and keeps nothing of it', async () => {
    const blobs = createFakeBlobStore();
    const { alice, bob, bobFiles } = await withFiles(blobs);
    const document = new Uint8Array(200_000).fill(7);
    await alice.engine.sendFile('bob', fileOf(document, 'notes.bin', 'application/x-thing'));
    await settle();
    const atBob = await lastMessage(bob, 'alice');
    const blobId = atBob.attachment?.blobId ?? '';
    const original = blobs.bytesOf(blobId).slice();

    const flipped = original.slice();
    flipped[100_000] = (flipped[100_000] ?? 0) ^ 1;
    blobs.replaceBytes(blobId, flipped);
    await expect(bob.engine.downloadAttachment(atBob.id)).rejects.toMatchObject({
      code: 'FILE_DAMAGED',
    });
    blobs.replaceBytes(blobId, original.slice(0, original.length - 1000));
    await expect(bob.engine.downloadAttachment(atBob.id)).rejects.toMatchObject({
      code: 'FILE_DAMAGED',
    });
    blobs.replaceBytes(blobId, join([original, Uint8Array.of(0)]));
    await expect(bob.engine.downloadAttachment(atBob.id)).rejects.toMatchObject({
      code: 'FILE_DAMAGED',
    });
    expect(bobFiles.files.names()).toEqual([]);
    expect((await lastMessage(bob, 'alice')).attachment?.localFile).toBeNull();
    await expect(bob.engine.openAttachment(atBob.id)).rejects.toMatchObject({
      code: 'FILE_NOT_HERE',
    });

    // Once the relay serves the real bytes, the same message downloads.
    blobs.replaceBytes(blobId, original);
    await bob.engine.downloadAttachment(atBob.id);
    expect(Buffer.from(await readAll(bob.engine.openAttachment(atBob.id))).equals(document)).toBe(
      true,
    );
  });

  it('refuses a blob whose hash is not the pointer’s', async () => {
    const blobs = createFakeBlobStore();
    const { alice, bob, bobFiles } = await withFiles(blobs);
    await alice.engine.sendFile('bob', fileOf(new Uint8Array(5000).fill(1), 'a.bin', ''));
    await settle();
    const atBob = await lastMessage(bob, 'alice');
    const attachment = atBob.attachment;
    if (attachment === null) throw new Error('no attachment');
    bob.engine.stop();
    const hash = attachment.hash.slice();
    hash[0] = (hash[0] ?? 0) ^ 1;
    await createChatRepository(bob.store).saveMessage({
      ...atBob,
      attachment: { ...attachment, hash },
    });
    const relay = createFakeRelay();
    const again = await person(relay, 'bob', bob.store, { files: { ...bobFiles } });
    await expect(again.engine.downloadAttachment(atBob.id)).rejects.toMatchObject({
      code: 'FILE_DAMAGED',
      message: 'file damaged: HASH_MISMATCH',
    });
    expect(bobFiles.files.names()).toEqual([]);
  });

  it('stops a download when asked, keeping nothing', async () => {
    const blobs = createFakeBlobStore();
    const { alice, bob, bobFiles } = await withFiles(blobs);
    await alice.engine.sendFile('bob', fileOf(new Uint8Array(300_000).fill(3), 'big.bin', ''));
    await settle();
    const atBob = await lastMessage(bob, 'alice');
    const abort = new AbortController();
    const seen = bob.engine.subscribe((event) => {
      if (event.kind === 'transfer' && event.direction === 'download') abort.abort();
    });
    await expect(
      bob.engine.downloadAttachment(atBob.id, { signal: abort.signal }),
    ).rejects.toMatchObject({ code: 'CANCELLED' });
    seen();
    expect(bobFiles.files.names()).toEqual([]);
  });

  it('keeps a file chosen offline and sends it once when the connection returns', async () => {
    const blobs = createFakeBlobStore();
    const { alice, bob } = await withFiles(blobs);
    alice.setOnline(false);
    blobs.state.online = false;
    const sent = await alice.engine.sendFile(
      'bob',
      fileOf(new Uint8Array(10).fill(9), 'x.txt', 'text/plain'),
    );
    await settle();
    expect(blobs.state.uploadsCreated).toBe(0);
    expect((await lastMessage(alice, 'bob')).state).toBe('queued');
    expect(await bob.engine.listConversations()).toEqual([]);

    blobs.state.online = true;
    alice.setOnline(true);
    await settle();
    expect(blobs.state.uploadsCreated).toBe(1);
    const atBob = await bob.engine.listMessages('alice');
    expect(atBob.map((m) => m.id)).toEqual([sent.message.id]);
    expect((await lastMessage(alice, 'bob')).state).toBe('delivered');
  });

  it('resumes an upload cut off part-way after a reload, from the relay’s offset', async () => {
    const blobs = createFakeBlobStore();
    const { relay, alice, bob, aliceFiles } = await withFiles(blobs);
    const big = new Uint8Array(5 * 1024 * 1024).map((_, i) => i % 253);
    // The network goes after the first 4 MiB piece.
    const fetchOnce = aliceFiles.fetch;
    let patches = 0;
    const flaky: typeof fetchOnce = async (path, init) => {
      if (init.method === 'PATCH' && ++patches > 1) blobs.state.online = false;
      return fetchOnce(path, init);
    };
    alice.engine.stop();
    const cut = await person(relay, 'alice', alice.store, {
      files: { ...aliceFiles, fetch: flaky },
    });
    await cut.engine.sendFile('bob', fileOf(big, 'big.bin', ''));
    await settle();
    const waiting = await lastMessage(cut, 'bob');
    expect(waiting.state).toBe('queued');
    expect(waiting.attachment?.uploadLocation).toMatch(/^\/api\/blobs\//);
    cut.engine.stop();

    blobs.state.online = true;
    const again = await person(relay, 'alice', alice.store, { files: aliceFiles });
    await settle();
    expect(blobs.state.uploadsCreated).toBe(1);
    const atBob = await lastMessage(bob, 'alice');
    await bob.engine.downloadAttachment(atBob.id);
    // Compared as buffers: a deep equality over 5 MiB element by element takes most of a minute.
    expect(Buffer.from(await readAll(bob.engine.openAttachment(atBob.id))).equals(big)).toBe(true);
    expect((await lastMessage(again, 'bob')).state).toBe('delivered');
  });

  it('uploads a group’s file once and gives every member the same pointer', async () => {
    const blobs = createFakeBlobStore();
    const { relay, alice, bob, files } = await withFiles(blobs);
    const carol = await person(relay, 'carol', createMemorySealedStore(), { files: files() });
    const group = await alice.engine.createGroup('Trip', ['bob', 'carol']);
    await settle();
    await alice.engine.sendFile(
      group.id,
      fileOf(new Uint8Array(4000).fill(5), 'plan.pdf', 'application/pdf'),
    );
    await settle();
    expect(blobs.state.uploadsCreated).toBe(1);
    const atBob = await lastMessage(bob, group.id);
    const atCarol = await lastMessage(carol, group.id);
    expect(atBob.attachment?.blobId).toBe(blobs.ids()[0]);
    expect(atCarol.attachment?.blobId).toBe(blobs.ids()[0]);
    await carol.engine.downloadAttachment(atCarol.id);
    expect(await readAll(carol.engine.openAttachment(atCarol.id))).toEqual(
      new Uint8Array(4000).fill(5),
    );
  });

  it('deletes a disappearing file everywhere when its time is up, and the sender’s blob', async () => {
    const blobs = createFakeBlobStore();
    const { alice, bob, aliceFiles, bobFiles } = await withFiles(blobs);
    await alice.engine.setTimer('bob', 60);
    await settle();
    await alice.engine.sendFile(
      'bob',
      fileOf(new Uint8Array(100).fill(1), 'gone.txt', 'text/plain'),
    );
    await settle();
    const atBob = await lastMessage(bob, 'alice');
    await bob.engine.downloadAttachment(atBob.id);
    await bob.engine.markRead('alice');
    await settle();
    const blobId = atBob.attachment?.blobId ?? '';
    expect(aliceFiles.files.names()).toHaveLength(1);
    expect(bobFiles.files.names()).toHaveLength(1);
    clock.offset = 61_000;
    try {
      await alice.engine.sweepExpired();
      await bob.engine.sweepExpired();
      await settle();
    } finally {
      clock.offset = 0;
    }
    expect(aliceFiles.files.names()).toEqual([]);
    expect(bobFiles.files.names()).toEqual([]);
    expect(blobs.state.deleted).toEqual([blobId]);
    expect(blobs.ids()).toEqual([]);
  });

  it('fails a cancelled upload, and sends it on retry', async () => {
    const blobs = createFakeBlobStore();
    const { alice, bob } = await withFiles(blobs);
    alice.setOnline(false);
    const sent = await alice.engine.sendFile(
      'bob',
      fileOf(new Uint8Array(10).fill(2), 'r.txt', ''),
    );
    await alice.engine.cancelUpload(sent.message.id);
    await settle();
    expect(await lastMessage(alice, 'bob')).toMatchObject({
      state: 'failed',
      failure: 'CANCELLED',
    });
    alice.setOnline(true);
    await settle();
    expect(await bob.engine.listConversations()).toEqual([]);
    const again = await alice.engine.retry(sent.message.id);
    await settle();
    const atBob = await lastMessage(bob, 'alice');
    expect(atBob.id).toBe(again.id);
    await bob.engine.downloadAttachment(atBob.id);
    expect(await readAll(bob.engine.openAttachment(atBob.id))).toEqual(new Uint8Array(10).fill(2));
  });

  it('tries an upload again later when the relay fails it while the connection stays up', async () => {
    const blobs = createFakeBlobStore();
    const relay = createFakeRelay();
    let sleeps = 0;
    // The blob API is out of reach (a full disk, a proxy) while the socket stays up: the upload
    // cannot even be created, and the run fails. It comes back during the waits between later
    // runs: only a run started again without a new connection can deliver the file.
    const sleep = () => {
      sleeps++;
      if (sleeps === 3) blobs.state.online = true;
      return Promise.resolve();
    };
    const files = { fetch: blobs.fetch, files: createMemoryLocalFiles(), sleep };
    const alice = await person(relay, 'alice', undefined, { files });
    const bob = await person(relay, 'bob');
    await alice.engine.startConversation('bob');
    blobs.state.online = false;
    await alice.engine.sendFile('bob', fileOf(new Uint8Array(10).fill(4), 'later.txt', ''));
    await settle();
    await expect.poll(async () => (await lastMessage(alice, 'bob')).state).toBe('delivered');
    await settle();
    expect((await lastMessage(bob, 'alice')).attachment?.fileName).toBe('later.txt');
    expect(blobs.state.uploadsCreated).toBe(1);
  });

  it('removes a failed file on request, with its kept ciphertext; only a failed one of one’s own', async () => {
    const blobs = createFakeBlobStore();
    const { alice, aliceFiles } = await withFiles(blobs);
    alice.setOnline(false);
    const sent = await alice.engine.sendFile('bob', fileOf(new Uint8Array(10), 'gone.txt', ''));
    await expect(alice.engine.removeFailed(sent.message.id)).rejects.toMatchObject({
      code: 'UNKNOWN_MESSAGE',
    });
    await alice.engine.cancelUpload(sent.message.id);
    await settle();
    expect(aliceFiles.files.names().length).toBe(1);
    await alice.engine.removeFailed(sent.message.id);
    expect((await alice.engine.listMessages('bob')).map((m) => m.id)).not.toContain(
      sent.message.id,
    );
    expect(aliceFiles.files.names()).toEqual([]);
  });

  it('keeps a file waiting, with its reason, while the relay’s disk is full, and sends it once there is room', async () => {
    const blobs = createFakeBlobStore();
    const relay = createFakeRelay();
    // The engine's wait before trying a failed upload again (30 s) holds until the test has
    // seen the reason and made room; the upload's own short backoffs pass at once.
    const gate = { open: (): void => undefined };
    const room = new Promise<void>((resolve) => {
      gate.open = resolve;
    });
    const sleep = (ms: number) => (ms === 30_000 ? room : Promise.resolve());
    const files = { fetch: blobs.fetch, files: createMemoryLocalFiles(), sleep };
    const alice = await person(relay, 'alice', undefined, { files });
    const bob = await person(relay, 'bob');
    await alice.engine.startConversation('bob');
    blobs.state.diskFull = true;
    const sent = await alice.engine.sendFile(
      'bob',
      fileOf(new Uint8Array(10).fill(6), 'full.txt', ''),
    );
    await expect
      .poll(async () => (await lastMessage(alice, 'bob')).attachment?.failure ?? null)
      .toBe('STORAGE_FULL');
    expect((await lastMessage(alice, 'bob')).state).toBe('queued');
    blobs.state.diskFull = false;
    gate.open();
    await expect.poll(async () => (await lastMessage(alice, 'bob')).state).toBe('delivered');
    expect((await lastMessage(alice, 'bob')).id).toBe(sent.message.id);
    await settle();
    expect((await lastMessage(bob, 'alice')).attachment?.fileName).toBe('full.txt');
  });
});
