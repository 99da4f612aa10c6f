import { createAttachmentDecryptor } from '@vaultroom/shared/crypto';
import sodium from 'libsodium-wrappers';
import { beforeAll, describe, expect, it } from 'vitest';
import { createAttachmentSource, type PlaintextFile } from './createAttachmentSource.js';

beforeAll(async () => {
  await sodium.ready;
});

const fileOf = (bytes: Uint8Array): PlaintextFile => ({
  size: bytes.length,
  read: (offset, length) => Promise.resolve(bytes.slice(offset, offset + length)),
});

const concatBytes = (...parts: Uint8Array[]) => Uint8Array.from(Buffer.concat(parts));

async function collect(stream: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const pieces: Uint8Array[] = [];
  for await (const piece of stream) pieces.push(piece);
  return concatBytes(...pieces);
}

describe('createAttachmentSource', () => {
  it('gives the same ciphertext on every run, from any offset, and it opens to the file', async () => {
    const plaintext = Uint8Array.from({ length: 3 * 1024 * 1024 + 17 }, (_, i) => (i * 13) % 256);
    const attachment = createAttachmentSource(sodium, fileOf(plaintext));
    expect(attachment.result()).toBeNull();
    const whole = await collect(attachment.source(0));
    expect(whole.length).toBe(attachment.length);
    for (const offset of [1, 24, 65_000, 2_000_000, attachment.length - 1]) {
      const tail = await collect(attachment.source(offset));
      expect(Buffer.from(tail).equals(Buffer.from(whole.subarray(offset)))).toBe(true);
    }
    const result = attachment.result();
    if (result === null) throw new Error('no result');
    const decryptor = createAttachmentDecryptor(sodium, { ...result, size: plaintext.length });
    const opened = concatBytes(...decryptor.push(whole));
    decryptor.finish();
    expect(Buffer.from(opened).equals(Buffer.from(plaintext))).toBe(true);
  });
});
