import sodium from 'libsodium-wrappers';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  ATTACHMENT_CHUNK_BYTES as CHUNK,
  ATTACHMENT_CHUNK_OVERHEAD,
  ATTACHMENT_HEADER_BYTES,
  ATTACHMENT_TAGS,
} from './attachmentLabels.js';
import { attachmentCiphertextLength, paddedAttachmentLength } from './attachmentPadding.js';
import { concatBytes, utf8 } from './bytes.js';
import { createAttachmentDecryptor, type AttachmentSecrets } from './decryptAttachment.js';
import { createAttachmentEncryptor } from './encryptAttachment.js';
import { hashAttachmentCiphertext } from './attachmentHash.js';
import { createSeededRandom } from './createSeededRandom.js';

beforeAll(async () => {
  await sodium.ready;
});

/** A file of `size` bytes that differ from chunk to chunk, so a reordering changes the bytes. */
function file(size: number): Uint8Array {
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i++) out[i] = (i * 31 + (i >>> 16)) & 0xff;
  return out;
}

/** Encrypts in pieces of `piece` bytes, as a browser reading a File would. */
function encrypt(plaintext: Uint8Array, piece = 50_000) {
  const encryptor = createAttachmentEncryptor(sodium, plaintext.length);
  const pieces: Uint8Array[] = [];
  for (let i = 0; i < plaintext.length; i += piece) {
    pieces.push(...encryptor.push(plaintext.subarray(i, i + piece)));
  }
  const done = encryptor.finish();
  pieces.push(...done.pieces);
  const ciphertext = concatBytes(...pieces);
  expect(ciphertext.length).toBe(encryptor.ciphertextLength);
  const secrets: AttachmentSecrets = { ...done.result, size: plaintext.length };
  return { ciphertext, secrets };
}

function decrypt(ciphertext: Uint8Array, secrets: AttachmentSecrets, piece = 70_001) {
  const decryptor = createAttachmentDecryptor(sodium, secrets);
  const out: Uint8Array[] = [];
  for (let i = 0; i < ciphertext.length; i += piece) {
    out.push(...decryptor.push(ciphertext.subarray(i, i + piece)));
  }
  decryptor.finish();
  return concatBytes(...out);
}

const code = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    return (error as { code?: string }).code;
  }
  return 'no error';
};

describe('attachment encryption (PROTOCOL.md §1.16)', () => {
  it('uses libsodium’s own tag values and sizes', () => {
    expect(ATTACHMENT_TAGS.final).toBe(sodium.crypto_secretstream_xchacha20poly1305_TAG_FINAL);
    expect(ATTACHMENT_TAGS.message).toBe(sodium.crypto_secretstream_xchacha20poly1305_TAG_MESSAGE);
    expect(ATTACHMENT_HEADER_BYTES).toBe(sodium.crypto_secretstream_xchacha20poly1305_HEADERBYTES);
    expect(ATTACHMENT_CHUNK_OVERHEAD).toBe(sodium.crypto_secretstream_xchacha20poly1305_ABYTES);
  });

  it.each([0, 1, 255, 256, 257, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK, 5 * 1024 * 1024 + 7])(
    'round-trips %i bytes through pieces of odd sizes',
    (size) => {
      const plaintext = file(size);
      const { ciphertext, secrets } = encrypt(plaintext);
      expect(ciphertext.length).toBe(attachmentCiphertextLength(size));
      // Buffer comparison: vitest's deep equality walks typed arrays element by element.
      expect(Buffer.from(decrypt(ciphertext, secrets)).equals(plaintext)).toBe(true);
      if (size < 1000) expect(decrypt(ciphertext, secrets, 1)).toEqual(plaintext);
    },
  );

  // Whole chunks are sealed straight from the caller's bytes, the rest after a copy: however a
  // file is cut into pieces, the same key and header give the same bytes (a resumed upload
  // re-encrypts and relies on it), the final chunk included when it is a whole one.
  it.each([CHUNK, 2 * CHUNK, 3 * CHUNK + 5, 1024 * 1024 + 1])(
    'gives the same ciphertext for %i bytes however the pieces fall',
    (size) => {
      const plaintext = file(size);
      const run = (piece: number) => {
        const encryptor = createAttachmentEncryptor(
          sodium,
          size,
          createSeededRandom(sodium, new Uint8Array(32).fill(7)),
        );
        const out: Uint8Array[] = [];
        for (let i = 0; i < size; i += piece)
          out.push(...encryptor.push(plaintext.subarray(i, i + piece)));
        const done = encryptor.finish();
        out.push(...done.pieces);
        return {
          ciphertext: Buffer.from(concatBytes(...out)),
          hash: Buffer.from(done.result.hash),
        };
      };
      const expected = run(50_000);
      for (const piece of [CHUNK, CHUNK + 1, 3 * CHUNK, 1024 * 1024, size]) {
        const actual = run(piece);
        expect(actual.ciphertext.equals(expected.ciphertext), `pieces of ${String(piece)}`).toBe(
          true,
        );
        expect(actual.hash.equals(expected.hash)).toBe(true);
      }
      const secrets = encrypt(plaintext, CHUNK);
      expect(Buffer.from(decrypt(secrets.ciphertext, secrets.secrets)).equals(plaintext)).toBe(
        true,
      );
    },
  );

  it('gives every attachment a fresh key and header', () => {
    const a = encrypt(file(10));
    const b = encrypt(file(10));
    expect(a.secrets.key).not.toEqual(b.secrets.key);
    expect(a.ciphertext.subarray(0, 24)).not.toEqual(b.ciphertext.subarray(0, 24));
  });

  it('pads with Padmé above 256 bytes and hides small sizes entirely', () => {
    expect([0, 1, 100, 256].map(paddedAttachmentLength)).toEqual([256, 256, 256, 256]);
    expect(paddedAttachmentLength(257)).toBe(272);
    expect(paddedAttachmentLength(1_000_000)).toBe(1_015_808);
    expect(paddedAttachmentLength(100 * 1024 * 1024)).toBe(100 * 1024 * 1024);
    expect(paddedAttachmentLength(100 * 1024 * 1024 + 1)).toBe(102 * 1024 * 1024);
    for (let size = 1; size < 2 ** 30; size = Math.floor(size * 1.37) + 1) {
      const padded = paddedAttachmentLength(size);
      expect(padded).toBeGreaterThanOrEqual(size);
      expect(padded / Math.max(size, 256)).toBeLessThan(1.12);
    }
    // Every size of one Padmé bucket gives the same ciphertext length.
    expect(attachmentCiphertextLength(1_000_000)).toBe(attachmentCiphertextLength(1_015_000));
  });

  it('refuses more or less plaintext than the declared size', () => {
    const encryptor = createAttachmentEncryptor(sodium, 10);
    expect(code(() => encryptor.push(new Uint8Array(11)))).toBe('MALFORMED');
    const short = createAttachmentEncryptor(sodium, 10);
    short.push(new Uint8Array(9));
    expect(code(() => short.finish())).toBe('MALFORMED');
    expect(code(() => createAttachmentEncryptor(sodium, 2 ** 41))).toBe('PAYLOAD_TOO_LARGE');
  });
});

describe('a damaged attachment is refused with a code (PROTOCOL.md §1.16.4)', () => {
  const size = 3 * CHUNK + 100;
  const sealed = CHUNK + ATTACHMENT_CHUNK_OVERHEAD;
  let ciphertext: Uint8Array;
  let secrets: AttachmentSecrets;
  beforeAll(() => {
    ({ ciphertext, secrets } = encrypt(file(size)));
  });
  const rehashed = (bytes: Uint8Array) => ({
    ...secrets,
    hash: hashAttachmentCiphertext(sodium, bytes),
  });

  it('a stream cut short anywhere: TRUNCATED', () => {
    for (const cut of [0, 10, 24, 24 + sealed, 24 + 2 * sealed + 5, ciphertext.length - 1]) {
      const truncated = ciphertext.slice(0, cut);
      expect(
        code(() => decrypt(truncated, rehashed(truncated))),
        `cut at ${cut}`,
      ).toBe('TRUNCATED');
    }
  });

  it('chunks swapped: DECRYPT_FAILED', () => {
    const swapped = concatBytes(
      ciphertext.subarray(0, 24),
      ciphertext.subarray(24 + sealed, 24 + 2 * sealed),
      ciphertext.subarray(24, 24 + sealed),
      ciphertext.subarray(24 + 2 * sealed),
    );
    expect(code(() => decrypt(swapped, rehashed(swapped)))).toBe('DECRYPT_FAILED');
  });

  it('one flipped bit in the header, a chunk or a tag: DECRYPT_FAILED', () => {
    for (const at of [3, 24, 24 + sealed + 1000, ciphertext.length - 1]) {
      const flipped = ciphertext.slice();
      flipped[at] = (flipped[at] ?? 0) ^ 0x01;
      expect(
        code(() => decrypt(flipped, rehashed(flipped))),
        `byte ${at}`,
      ).toBe('DECRYPT_FAILED');
    }
  });

  it('bytes after the final chunk: TRAILING_DATA', () => {
    const longer = concatBytes(ciphertext, Uint8Array.of(0));
    expect(code(() => decrypt(longer, rehashed(longer)))).toBe('TRAILING_DATA');
  });

  it('the wrong key: DECRYPT_FAILED; the right key but another ciphertext hash: HASH_MISMATCH', () => {
    const wrongKey = { ...secrets, key: new Uint8Array(32).fill(1) };
    expect(code(() => decrypt(ciphertext, wrongKey))).toBe('DECRYPT_FAILED');
    const wrongHash = { ...secrets, hash: new Uint8Array(32) };
    expect(code(() => decrypt(ciphertext, wrongHash))).toBe('HASH_MISMATCH');
  });

  it('a stream whose last chunk is not FINAL, or ends early with FINAL: TRUNCATED / TRAILING_DATA', () => {
    // Hand-built with libsodium itself, as a faulty sender would.
    const key = sodium.crypto_secretstream_xchacha20poly1305_keygen();
    const ad = utf8('VaultRoom/e2e/v1/attachment-chunk');
    const build = (tags: number[]) => {
      const { state, header } = sodium.crypto_secretstream_xchacha20poly1305_init_push(key);
      const padded = paddedAttachmentLength(CHUNK + 1);
      const parts = [header];
      tags.forEach((tag, i) => {
        const length = i === 0 ? CHUNK : padded - CHUNK;
        parts.push(
          sodium.crypto_secretstream_xchacha20poly1305_push(state, new Uint8Array(length), ad, tag),
        );
      });
      const bytes = concatBytes(...parts);
      return {
        bytes,
        secrets: { key, hash: hashAttachmentCiphertext(sodium, bytes), size: CHUNK + 1 },
      };
    };
    const noFinal = build([0, 0]);
    expect(code(() => decrypt(noFinal.bytes, noFinal.secrets))).toBe('TRUNCATED');
    const earlyFinal = build([3, 3]);
    expect(code(() => decrypt(earlyFinal.bytes, earlyFinal.secrets))).toBe('TRAILING_DATA');
  });

  it('non-zero padding: MALFORMED', () => {
    const key = sodium.crypto_secretstream_xchacha20poly1305_keygen();
    const { state, header } = sodium.crypto_secretstream_xchacha20poly1305_init_push(key);
    const body = new Uint8Array(256);
    body[255] = 1;
    const bytes = concatBytes(
      header,
      sodium.crypto_secretstream_xchacha20poly1305_push(
        state,
        body,
        utf8('VaultRoom/e2e/v1/attachment-chunk'),
        3,
      ),
    );
    const opened = { key, hash: hashAttachmentCiphertext(sodium, bytes), size: 10 };
    expect(code(() => decrypt(bytes, opened))).toBe('MALFORMED');
  });
});
