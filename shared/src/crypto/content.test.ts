import fc from 'fast-check';
import sodium from 'libsodium-wrappers';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Content } from './content.js';
import { CryptoError } from './CryptoError.js';
import { decodeContent, encodeContent } from './content.js';
import { padPlaintext, unpadPlaintext } from './padding.js';
import { PADDING_BUCKETS } from './labels.js';
import { prekeysToRetire } from './prekeysToRetire.js';

beforeAll(async () => {
  await sodium.ready;
});

const id = (n: number) => new Uint8Array(16).fill(n);

describe('padding', () => {
  it('pads to the smallest bucket that fits and round-trips', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 5000 }), (content) => {
        const padded = padPlaintext(content);
        expect(padded.length).toBe(PADDING_BUCKETS.find((b) => b > content.length));
        expect(unpadPlaintext(padded)).toEqual(content);
      }),
      { numRuns: 200 },
    );
    expect(padPlaintext(new Uint8Array(255)).length).toBe(256);
    expect(padPlaintext(new Uint8Array(256)).length).toBe(512);
  });

  it('refuses oversize content and malformed padding', () => {
    expect(() => padPlaintext(new Uint8Array(65536))).toThrow(
      expect.objectContaining({ code: 'PAYLOAD_TOO_LARGE' }),
    );
    expect(() => unpadPlaintext(new Uint8Array(256))).toThrow(CryptoError);
    expect(() => unpadPlaintext(new Uint8Array(255).fill(0x80))).toThrow(CryptoError);
  });
});

describe('content envelope', () => {
  const samples: Content[] = [
    { type: 'text', messageId: id(1), sentAt: 1_700_000_000_000, groupId: null, text: 'héllo 👋' },
    { type: 'text', messageId: id(2), sentAt: 0, groupId: id(9), text: '' },
    { type: 'receipt', kind: 'read', messageIds: [id(1), id(2)] },
    { type: 'typing', state: 'started', groupId: null },
    {
      type: 'groupKeyDistribution',
      distribution: {
        groupId: id(9),
        keyId: 7,
        iteration: 3,
        chainKey: new Uint8Array(32).fill(4),
        signingPublicKey: new Uint8Array(32).fill(5),
      },
    },
    { type: 'control', kind: 'groupRemove', groupId: id(9) },
    {
      type: 'reply',
      messageId: id(4),
      sentAt: 1_700_000_000_001,
      groupId: null,
      text: 'yes!',
      replyTo: id(1),
    },
    { type: 'timer', seconds: 86_400, groupId: null },
    { type: 'timer', seconds: 0, groupId: id(9) },
    { type: 'reaction', messageId: id(3), emoji: '👍🏽', groupId: null },
    { type: 'reaction', messageId: id(3), emoji: '', groupId: id(9) },
    {
      type: 'group',
      groupId: id(9),
      revision: 1_700_000_000_002,
      name: 'Chess club ♞',
      members: ['alice', 'Bob.B', 'carol_c'],
    },
    { type: 'group', groupId: id(9), revision: 0, name: 'x', members: [] },
    {
      type: 'transcript',
      destination: { kind: 'person', handle: 'Bob.B' },
      message: { type: 'text', messageId: id(5), sentAt: 7, groupId: null, text: 'hi' },
    },
    {
      type: 'transcript',
      destination: { kind: 'group', groupId: id(9) },
      message: {
        type: 'reply',
        messageId: id(6),
        sentAt: 8,
        groupId: id(9),
        text: 'yes',
        replyTo: id(5),
      },
    },
    {
      type: 'transcript',
      destination: { kind: 'person', handle: 'Bob.B' },
      message: { type: 'timer', seconds: 3_600, groupId: null },
    },
    {
      type: 'transcript',
      destination: { kind: 'group', groupId: id(9) },
      message: { type: 'reaction', messageId: id(5), emoji: '🎉', groupId: id(9) },
    },
    { type: 'accountKey', seed: new Uint8Array(32).fill(7) },
    { type: 'checkpoint', note: 'relay.test/log\n3\nroot=\n\n— relay.test/log sig=\n' },
  ];

  it('carries a checkpoint note of 1 to 1024 bytes as vec16 UTF-8 (§1.8.3)', () => {
    const note = 'x'.repeat(1024);
    const encoded = encodeContent({ type: 'checkpoint', note });
    expect(Array.from(encoded.subarray(0, 4))).toEqual([0x01, 0x0d, 0x04, 0x00]);
    expect(() => encodeContent({ type: 'checkpoint', note: `${note}y` })).toThrow(
      expect.objectContaining({ code: 'MALFORMED' }),
    );
    expect(() => encodeContent({ type: 'checkpoint', note: '' })).toThrow(CryptoError);
    expect(() => decodeContent(Uint8Array.of(0x01, 0x0d, 0x00, 0x00))).toThrow(
      expect.objectContaining({ code: 'MALFORMED' }),
    );
    expect(() => decodeContent(Uint8Array.of(0x01, 0x0d, 0x00, 0x01, 0xff))).toThrow(
      expect.objectContaining({ code: 'MALFORMED' }),
    );
  });

  it('refuses an account key seed of the wrong length', () => {
    expect(() => encodeContent({ type: 'accountKey', seed: new Uint8Array(31) })).toThrow(
      CryptoError,
    );
    const encoded = encodeContent({ type: 'accountKey', seed: new Uint8Array(32) });
    expect(() => decodeContent(encoded.subarray(0, encoded.length - 1))).toThrow(CryptoError);
  });

  it('round-trips every content type', () => {
    for (const content of samples) {
      expect(decodeContent(encodeContent(content))).toEqual(content);
    }
  });

  it('refuses unknown types, bad versions, bad UTF-8 and trailing bytes', () => {
    const first = samples[0];
    if (!first) throw new Error('no sample');
    const text = encodeContent(first);
    const mutate = (f: (b: Uint8Array) => Uint8Array) => () =>
      decodeContent(f(Uint8Array.from(text)));
    expect(mutate((b) => ((b[0] = 2), b))).toThrow(
      expect.objectContaining({ code: 'UNSUPPORTED_VERSION' }),
    );
    expect(mutate((b) => ((b[1] = 0x7f), b))).toThrow(
      expect.objectContaining({ code: 'MALFORMED' }),
    );
    expect(mutate((b) => ((b[b.length - 1] = 0xff), b))).toThrow(
      expect.objectContaining({ code: 'MALFORMED' }),
    );
    expect(mutate((b) => Uint8Array.of(...b, 0))).toThrow(
      expect.objectContaining({ code: 'MALFORMED' }),
    );
  });
});

describe('group content', () => {
  const group = (name: string, members: string[]): Content => ({
    type: 'group',
    groupId: id(9),
    revision: 1,
    name,
    members,
  });

  it('refuses empty or long names, too many members and bad handles when encoding', () => {
    const malformed: unknown = expect.objectContaining({ code: 'MALFORMED' });
    expect(() => encodeContent(group('', ['alice']))).toThrow(malformed);
    expect(() => encodeContent(group('x'.repeat(65), ['alice']))).toThrow(malformed);
    expect(() => encodeContent(group('ok', ['x'.repeat(33)]))).toThrow(malformed);
    expect(() => encodeContent(group('ok', ['']))).toThrow(malformed);
    const many = Array.from({ length: 33 }, (_, i) => `member${String(i)}`);
    expect(() => encodeContent(group('ok', many))).toThrow(malformed);
    expect(decodeContent(encodeContent(group('x'.repeat(64), many.slice(0, 32))))).toMatchObject({
      members: many.slice(0, 32),
    });
  });

  it('refuses a zero-length name or member and a member count past the limit when decoding', () => {
    const bytes = encodeContent(group('ab', ['alice']));
    // version, type, group id (16), revision (8), then the name's length.
    const nameLengthAt = 2 + 16 + 8;
    const zeroName = Uint8Array.from(bytes);
    zeroName[nameLengthAt] = 0;
    expect(() => decodeContent(zeroName)).toThrow(expect.objectContaining({ code: 'MALFORMED' }));
    const countAt = nameLengthAt + 1 + 2;
    const tooMany = Uint8Array.from(bytes);
    tooMany[countAt] = 33;
    expect(() => decodeContent(tooMany)).toThrow(expect.objectContaining({ code: 'MALFORMED' }));
    const zeroMember = Uint8Array.from(bytes);
    zeroMember[countAt + 1] = 0;
    expect(() => decodeContent(zeroMember)).toThrow(expect.objectContaining({ code: 'MALFORMED' }));
  });
});

describe('transcript content', () => {
  it('refuses a transcript of anything but a text, reply, timer or reaction, and an unknown destination', () => {
    const malformed: unknown = expect.objectContaining({ code: 'MALFORMED' });
    const receipt = encodeContent({ type: 'receipt', kind: 'read', messageIds: [id(1)] });
    // version, type, destination kind (person), handle length and handle, then the inner content.
    const forged = Uint8Array.of(1, 0x0a, 1, 1, 0x62, ...[0, 0, 0, receipt.length], ...receipt);
    expect(() => decodeContent(forged)).toThrow(malformed);
    const text = encodeContent({
      type: 'transcript',
      destination: { kind: 'person', handle: 'b' },
      message: { type: 'text', messageId: id(1), sentAt: 0, groupId: null, text: '' },
    });
    const unknownKind = Uint8Array.from(text);
    unknownKind[2] = 3;
    expect(() => decodeContent(unknownKind)).toThrow(malformed);
    // A transcript inside a transcript, built by hand since the types forbid it.
    const nested = Uint8Array.of(1, 0x0a, 1, 1, 0x62, ...[0, 0, 0, text.length], ...text);
    expect(() => decodeContent(nested)).toThrow(malformed);
    const typing = { type: 'typing', state: 'started', groupId: null } as const;
    const wrapped = { type: 'transcript', destination: { kind: 'person', handle: 'b' } } as const;
    expect(() => encodeContent({ ...wrapped, message: typing } as unknown as Content)).toThrow(
      malformed,
    );
  });
});

describe('prekey schedule', () => {
  const day = 24 * 60 * 60 * 1000;
  it('rotates after 7 days and retires a superseded key 30 days after its successor', () => {
    const keys = [
      { id: 1, createdAt: 0 },
      { id: 2, createdAt: 7 * day },
      { id: 3, createdAt: 14 * day },
    ];
    expect(prekeysToRetire(keys, 14 * day + 1)).toEqual({ rotateNow: false, retire: [] });
    expect(prekeysToRetire(keys, 37 * day + 1)).toEqual({ rotateNow: true, retire: [1] });
    expect(prekeysToRetire(keys, 44 * day + 1)).toEqual({ rotateNow: true, retire: [1, 2] });
  });
});
