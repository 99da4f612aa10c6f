import { describe, expect, it } from 'vitest';
import type { AttachmentPointer } from './attachmentPointer.js';
import { encodeAttachmentPointer } from './attachmentPointer.js';
import { ByteWriter } from './bytes.js';
import { decodeContent, encodeContent, type Content } from './content.js';
import { CONTENT_TYPE } from './labels.js';

const id = (n: number) => new Uint8Array(16).fill(n);
const malformed: unknown = expect.objectContaining({ code: 'MALFORMED' });

const pointer: AttachmentPointer = {
  blobId: 'Zm9yLXRlc3RzLW9ubHktYmxvYi1pZA',
  key: new Uint8Array(32).fill(1),
  hash: new Uint8Array(32).fill(2),
  size: 70_000,
  fileName: 'IMG_0001.jpg',
  mimeType: 'image/jpeg',
  width: 4032,
  height: 3024,
  thumbnail: Uint8Array.of(0xff, 0xd8, 0xff, 0xd9),
  caption: 'Au sommet 🏔',
};

const inGroup: Content = {
  type: 'attachment',
  messageId: id(1),
  sentAt: 1_700_000_000_000,
  groupId: id(9),
  pointer,
};

/** Builds an attachment content by hand, so the decoder sees what an encoder would refuse. */
function forge(pointerBytes: Uint8Array, tail: Uint8Array = new Uint8Array(0)): Uint8Array {
  return new ByteWriter()
    .u8(1)
    .u8(CONTENT_TYPE.attachment)
    .bytes(id(1))
    .u64(5)
    .u8(0)
    .vec16(pointerBytes)
    .bytes(tail)
    .finish();
}

describe('attachment content (PROTOCOL.md §1.8.2, §1.16.3)', () => {
  it('round-trips with and without a group, and inside a transcript', () => {
    const direct: Content = { ...inGroup, groupId: null };
    expect(decodeContent(encodeContent(inGroup))).toEqual(inGroup);
    expect(decodeContent(encodeContent(direct))).toEqual(direct);
    const copy: Content = {
      type: 'transcript',
      destination: { kind: 'group', groupId: id(9) },
      message: inGroup,
    };
    expect(decodeContent(encodeContent(copy))).toEqual(copy);
  });

  it('lays out id, time and group as text does, then the pointer as a vec16', () => {
    const bytes = encodeContent({ ...inGroup, groupId: null });
    const encodedPointer = encodeAttachmentPointer(pointer);
    expect(bytes.subarray(0, 2)).toEqual(Uint8Array.of(1, 0x0c));
    expect(bytes.subarray(2, 18)).toEqual(id(1));
    expect(bytes[26]).toBe(0);
    expect((bytes[27] ?? 0) * 256 + (bytes[28] ?? 0)).toBe(encodedPointer.length);
    expect(bytes.subarray(29)).toEqual(encodedPointer);
  });

  it('refuses a pointer the pointer decoder refuses, a truncated one, and trailing bytes', () => {
    const good = encodeAttachmentPointer(pointer);
    expect(decodeContent(forge(good))).toMatchObject({ type: 'attachment', pointer });
    expect(() => decodeContent(forge(good.subarray(0, good.length - 1)))).toThrow(malformed);
    expect(() => decodeContent(forge(Uint8Array.of(...good, 0)))).toThrow(malformed);
    expect(() => decodeContent(forge(good, Uint8Array.of(0)))).toThrow(malformed);
    // A pointer naming a path as its file name: byte 2+2+30+32+32+8+2 starts the name.
    const withSlash = Uint8Array.from(good);
    withSlash[2 + 2 + 30 + 32 + 32 + 8 + 2] = 0x2f;
    expect(() => decodeContent(forge(withSlash))).toThrow(malformed);
    // A pointer of another version inside the content.
    const otherVersion = Uint8Array.from(good);
    otherVersion[0] = 2;
    expect(() => decodeContent(forge(otherVersion))).toThrow(
      expect.objectContaining({ code: 'UNSUPPORTED_VERSION' }),
    );
  });

  it('refuses to encode a message id of the wrong length or a bad pointer', () => {
    expect(() => encodeContent({ ...inGroup, messageId: new Uint8Array(15) })).toThrow(malformed);
    expect(() =>
      encodeContent({ ...inGroup, pointer: { ...pointer, fileName: '../etc/passwd' } }),
    ).toThrow(malformed);
  });
});
