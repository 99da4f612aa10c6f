import fc from 'fast-check';
import sodium from 'libsodium-wrappers';
import { beforeAll, describe, it } from 'vitest';
import { fuzzRuns, fuzzTarget, mutatedBytes } from '../../test/fuzzing.js';
import { decodeAttachmentPointer, encodeAttachmentPointer } from './attachmentPointer.js';
import { concatBytes } from './bytes.js';
import { CryptoError } from './CryptoError.js';
import { createAttachmentDecryptor } from './decryptAttachment.js';
import { createAttachmentEncryptor } from './encryptAttachment.js';

/*
 * Fuzzing of the attachment decoders (PROTOCOL.md §1.16): the pointer, and the decryptor fed a
 * mutated ciphertext in pieces of any size. Every input must decode or be refused with a
 * CryptoError; anything else thrown is a crash. FUZZ_SEED and FUZZ_RUNS as for the other decoders.
 */
const RUNS = fuzzRuns(2000);
const TIMEOUT_MS = 30_000 + RUNS * 10;
const cryptoCode = (error: unknown) => (error instanceof CryptoError ? error.code : undefined);

beforeAll(async () => {
  await sodium.ready;
});

describe('attachment decoders under fuzzing', () => {
  it(
    'decodeAttachmentPointer decodes or refuses mutated pointers with a code',
    async () => {
      const base = {
        blobId: 'Zm9yLXRlc3RzLW9ubHktYmxvYi1pZC0xMjM0NTY3ODk',
        key: new Uint8Array(32).fill(1),
        hash: new Uint8Array(32).fill(2),
        size: 70_000,
        fileName: 'photo.jpg',
        mimeType: 'image/jpeg',
        width: 640,
        height: 480,
        thumbnail: Uint8Array.of(0xff, 0xd8, 0xff, 0xd9),
        caption: 'à la plage',
      };
      const samples = [
        encodeAttachmentPointer(base),
        encodeAttachmentPointer({ ...base, width: 0, height: 0, thumbnail: new Uint8Array(0) }),
      ];
      const headed = fc
        .uint8Array({ maxLength: 2048 })
        .map((tail) => Uint8Array.from([0x01, 0x1e, ...tail]));
      await fuzzTarget({
        target: 'decodeAttachmentPointer',
        input: fc.oneof(mutatedBytes(samples), headed),
        run: decodeAttachmentPointer,
        codeOf: cryptoCode,
        runs: RUNS,
      });
    },
    TIMEOUT_MS,
  );

  it(
    'the decryptor takes mutated ciphertext in any pieces and refuses it with a code',
    async () => {
      const size = 70_000;
      const encryptor = createAttachmentEncryptor(sodium, size);
      const pieces = encryptor.push(new Uint8Array(size).fill(7));
      const done = encryptor.finish();
      const ciphertext = concatBytes(...pieces, ...done.pieces);
      const secrets = { ...done.result, size };
      await fuzzTarget({
        target: 'createAttachmentDecryptor',
        input: fc.tuple(mutatedBytes([ciphertext]), fc.integer({ min: 1, max: 100_000 })),
        run: ([bytes, piece]) => {
          const decryptor = createAttachmentDecryptor(sodium, secrets);
          for (let i = 0; i < bytes.length; i += piece)
            decryptor.push(bytes.subarray(i, i + piece));
          decryptor.finish();
        },
        codeOf: cryptoCode,
        runs: Math.ceil(RUNS / 10),
      });
    },
    TIMEOUT_MS,
  );
});
