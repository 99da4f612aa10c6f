import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import sodium from 'libsodium-wrappers';
import { beforeAll, describe, expect, it } from 'vitest';
import { ATTACHMENT_CHUNK_BYTES, ATTACHMENT_CHUNK_OVERHEAD } from './attachmentLabels.js';
import { paddedAttachmentLength, attachmentCiphertextLength } from './attachmentPadding.js';
import { decodeAttachmentPointer, encodeAttachmentPointer } from './attachmentPointer.js';
import { concatBytes, utf8 } from './bytes.js';
import { decodeContent, encodeContent } from './content.js';
import { createAttachmentDecryptor } from './decryptAttachment.js';
import { createAttachmentEncryptor } from './encryptAttachment.js';
import { createSeededRandom } from './createSeededRandom.js';

/*
 * Attachment vectors (PROTOCOL.md §1.16, §1.12), in a file of their own beside vectors-v1.json
 * and device-trust-v1.json. One seeded source (seed bytes 0x00..0x1F) serves the three files in
 * this order, each drawing its key (32 bytes) then its secretstream header (24 bytes).
 */
const vectorFile = new URL('../../test-vectors/e2e/attachments-v1.json', import.meta.url);
type Vectors = Record<string, string | number>;

const seed = Uint8Array.from({ length: 32 }, (_, i) => i);
const hello = utf8('hello, VaultRoom');
/** Two chunks: 70,000 bytes, byte i = i mod 251. */
const twoChunks = Uint8Array.from({ length: 70_000 }, (_, i) => i % 251);
const paddingSizes = [0, 1, 256, 257, 1000, 65_536, 1_000_000, 104_857_600, 104_857_601];

function encryptWhole(plaintext: Uint8Array, random: ReturnType<typeof createSeededRandom>) {
  const encryptor = createAttachmentEncryptor(sodium, plaintext.length, random);
  const pieces = encryptor.push(plaintext);
  const done = encryptor.finish();
  return { ciphertext: concatBytes(...pieces, ...done.pieces), ...done.result };
}

const pointerFields = {
  blobId: 'Zm9yLXRlc3RzLW9ubHktYmxvYi1pZA',
  fileName: 'hello.txt',
  mimeType: 'text/plain',
  width: 0,
  height: 0,
  thumbnail: new Uint8Array(0),
  caption: 'Bonjour 👋',
};

function generate(): Vectors {
  const h = (b: Uint8Array) => sodium.to_hex(b);
  const random = createSeededRandom(sodium, seed);
  const empty = encryptWhole(new Uint8Array(0), random);
  const small = encryptWhole(hello, random);
  const large = encryptWhole(twoChunks, random);
  const sealed = ATTACHMENT_CHUNK_BYTES + ATTACHMENT_CHUNK_OVERHEAD;
  const vectors: Vectors = {};
  for (const size of paddingSizes) {
    vectors[`padded_length.${size}`] = paddedAttachmentLength(size);
    vectors[`ciphertext_length.${size}`] = attachmentCiphertextLength(size);
  }
  const helloPointer = { ...pointerFields, key: small.key, hash: small.hash, size: hello.length };
  Object.assign(vectors, {
    'attachment.empty.key': h(empty.key),
    'attachment.empty.ciphertext': h(empty.ciphertext),
    'attachment.empty.hash': h(empty.hash),
    'attachment.hello.plaintext': h(hello),
    'attachment.hello.key': h(small.key),
    'attachment.hello.ciphertext': h(small.ciphertext),
    'attachment.hello.hash': h(small.hash),
    'attachment.two_chunks.key': h(large.key),
    'attachment.two_chunks.header': h(large.ciphertext.subarray(0, 24)),
    'attachment.two_chunks.ciphertext_length': large.ciphertext.length,
    'attachment.two_chunks.final_chunk': h(large.ciphertext.subarray(24 + sealed)),
    'attachment.two_chunks.hash': h(large.hash),
    'attachment_pointer.hello': h(
      encodeAttachmentPointer({
        ...pointerFields,
        key: small.key,
        hash: small.hash,
        size: hello.length,
      }),
    ),
    'attachment_pointer.photo': h(
      encodeAttachmentPointer({
        ...pointerFields,
        fileName: 'IMG_0001.jpg',
        mimeType: 'image/jpeg',
        width: 4032,
        height: 3024,
        thumbnail: Uint8Array.of(0xff, 0xd8, 0xff, 0xd9),
        caption: '',
        key: large.key,
        hash: large.hash,
        size: twoChunks.length,
      }),
    ),
    // §1.8.2 `attachment` contents: to a person, and to a group (message id 0x01…, group 0x09…).
    'content.attachment.hello': h(
      encodeContent({
        type: 'attachment',
        messageId: new Uint8Array(16).fill(1),
        sentAt: 1_700_000_000_000,
        groupId: null,
        pointer: helloPointer,
      }),
    ),
    'content.attachment.group': h(
      encodeContent({
        type: 'attachment',
        messageId: new Uint8Array(16).fill(1),
        sentAt: 1_700_000_000_000,
        groupId: new Uint8Array(16).fill(9),
        pointer: helloPointer,
      }),
    ),
  });
  return vectors;
}

beforeAll(async () => {
  await sodium.ready;
});

describe('attachment vectors (shared/test-vectors/e2e/attachments-v1.json)', () => {
  it('reproduces every committed value from the fixed seed', () => {
    const fresh = generate();
    if (process.env['VAULTROOM_WRITE_VECTORS'] === '1') {
      writeFileSync(vectorFile, `${JSON.stringify(fresh, null, 2)}\n`);
    }
    const committed = JSON.parse(readFileSync(vectorFile, 'utf8')) as Vectors;
    expect(Object.keys(fresh).sort()).toEqual(Object.keys(committed).sort());
    for (const [name, value] of Object.entries(committed)) expect(fresh[name], name).toBe(value);
  });

  it('the committed ciphertexts open as a receiver would, from the committed pointer', () => {
    const v = JSON.parse(readFileSync(vectorFile, 'utf8')) as Vectors;
    const bytes = (name: string) => sodium.from_hex(String(v[name]));
    const pointer = decodeAttachmentPointer(bytes('attachment_pointer.hello'));
    expect(pointer).toMatchObject({ ...pointerFields, size: 16 });
    const decryptor = createAttachmentDecryptor(sodium, pointer);
    const plaintext = concatBytes(...decryptor.push(bytes('attachment.hello.ciphertext')));
    decryptor.finish();
    expect(plaintext).toEqual(hello);
    const photo = decodeAttachmentPointer(bytes('attachment_pointer.photo'));
    expect(photo).toMatchObject({
      width: 4032,
      height: 3024,
      mimeType: 'image/jpeg',
      size: 70_000,
    });
    expect(photo.key).toEqual(bytes('attachment.two_chunks.key'));
    const sent = decodeContent(bytes('content.attachment.group'));
    if (sent.type !== 'attachment') throw new Error('not an attachment content');
    expect(sent.pointer).toEqual(pointer);
    expect(sent.groupId).toEqual(new Uint8Array(16).fill(9));
  });
});

/** The sodium-native calls used below (it ships no types): the machine's libsodium, in C. */
interface NativeSecretstream {
  crypto_secretstream_xchacha20poly1305_STATEBYTES: number;
  crypto_secretstream_xchacha20poly1305_init_pull(state: Buffer, header: Buffer, key: Buffer): void;
  crypto_secretstream_xchacha20poly1305_pull(
    state: Buffer,
    m: Buffer,
    tag: Buffer,
    c: Buffer,
    ad: Buffer | null,
  ): number;
}

describe('attachment vectors against a second libsodium build', () => {
  it('sodium-native (C libsodium, not WebAssembly) opens the committed ciphertext', () => {
    const native = createRequire(import.meta.url)('sodium-native') as NativeSecretstream;
    const v = JSON.parse(readFileSync(vectorFile, 'utf8')) as Vectors;
    const ciphertext = Buffer.from(String(v['attachment.hello.ciphertext']), 'hex');
    const state = Buffer.alloc(native.crypto_secretstream_xchacha20poly1305_STATEBYTES);
    native.crypto_secretstream_xchacha20poly1305_init_pull(
      state,
      ciphertext.subarray(0, 24),
      Buffer.from(String(v['attachment.hello.key']), 'hex'),
    );
    const body = ciphertext.subarray(24);
    const message = Buffer.alloc(body.length - ATTACHMENT_CHUNK_OVERHEAD);
    const tag = Buffer.alloc(1);
    const ad = Buffer.from('VaultRoom/e2e/v1/attachment-chunk');
    native.crypto_secretstream_xchacha20poly1305_pull(state, message, tag, body, ad);
    expect(tag[0]).toBe(3);
    expect(message.subarray(0, 16).toString()).toBe('hello, VaultRoom');
    expect(message.subarray(16).every((b) => b === 0)).toBe(true);
  });
});

describe('attachment pointer decoding (PROTOCOL.md §1.16.3)', () => {
  const base = {
    ...pointerFields,
    key: new Uint8Array(32).fill(7),
    hash: new Uint8Array(32).fill(9),
    size: 42,
  };
  const code = (fn: () => unknown) => {
    try {
      fn();
    } catch (error) {
      return (error as { code?: string }).code;
    }
    return 'no error';
  };

  it('round-trips and refuses a trailing byte, a truncation and another version', () => {
    const encoded = encodeAttachmentPointer(base);
    expect(decodeAttachmentPointer(encoded)).toEqual(base);
    expect(code(() => decodeAttachmentPointer(concatBytes(encoded, Uint8Array.of(0))))).toBe(
      'MALFORMED',
    );
    for (let cut = 0; cut < encoded.length; cut += 7) {
      expect(code(() => decodeAttachmentPointer(encoded.subarray(0, cut)))).toBe('MALFORMED');
    }
    const v2 = encoded.slice();
    v2[0] = 2;
    expect(code(() => decodeAttachmentPointer(v2))).toBe('UNSUPPORTED_VERSION');
  });

  it.each([
    ['a short blob id', { blobId: 'abc' }],
    ['a blob id with a slash', { blobId: '../../../../etc/passwd/aaaaaa' }],
    ['a file name that is a path', { fileName: '../evil.sh' }],
    ['a file name with a control character', { fileName: 'a\u0000b' }],
    ['a long file name', { fileName: 'x'.repeat(256) }],
    ['a MIME type with parameters', { mimeType: 'text/plain; charset=utf-8' }],
    ['an upper-case MIME type', { mimeType: 'Text/Plain' }],
    ['one dimension only', { width: 10, height: 0 }],
    ['a large thumbnail', { thumbnail: new Uint8Array(16385) }],
    ['a long caption', { caption: 'é'.repeat(2049) }],
    ['a size over the maximum', { size: 2 ** 40 + 1 }],
    ['a key of the wrong length', { key: new Uint8Array(31) }],
  ])('refuses %s on both sides', (_what, change) => {
    expect(code(() => encodeAttachmentPointer({ ...base, ...change }))).toBe('MALFORMED');
  });

  it('refuses an over-long field that only a hand-made encoding could carry', () => {
    const encoded = encodeAttachmentPointer(base);
    // Patch the file name's length prefix (after version, type, blob id, key, hash, size).
    const at = 2 + 2 + base.blobId.length + 32 + 32 + 8;
    const lying = encoded.slice();
    lying[at] = 0xff;
    expect(code(() => decodeAttachmentPointer(lying))).toBe('MALFORMED');
  });
});
