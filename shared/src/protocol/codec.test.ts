import { encode } from 'cborg';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeClientFrame, decodeServerFrame, encodeFrame, readRequestId } from './codec.js';
import type { ClientFrame, ServerFrame } from './frames.js';
import { LIMITS, PROTOCOL_VERSION } from './limits.js';
import { ProtocolError } from './ProtocolError.js';

const msg = new Uint8Array(16).fill(7);

const clientFrames: ClientFrame[] = [
  { t: 'hello', v: PROTOCOL_VERSION, device: null },
  {
    t: 'register-device',
    id: 1,
    name: 'Laptop',
    identity: {
      signingPublicKey: new Uint8Array(32),
      dhPublicKey: new Uint8Array(32),
      dhSignature: new Uint8Array(64),
    },
  },
  {
    t: 'upload-prekeys',
    id: 2,
    signedPrekey: {
      id: 7,
      createdAt: 1_767_225_600_000,
      publicKey: new Uint8Array(32),
      signature: new Uint8Array(64),
    },
    pqPrekey: {
      id: 8,
      createdAt: 1_767_225_600_000,
      publicKey: new Uint8Array(1216),
      signature: new Uint8Array(64),
    },
    oneTimePrekeys: [{ id: 100, publicKey: new Uint8Array(32) }],
  },
  { t: 'fetch-bundles', id: 3, account: 'bob' },
  { t: 'list-devices', id: 4 },
  { t: 'lookup-devices', id: 9, devices: ['dev1', 'dev2'] },
  { t: 'rename-device', id: 5, device: 'dev1', name: 'Phone' },
  { t: 'revoke-device', id: 6, device: 'dev1' },
  { t: 'send', id: 7, msg, to: [{ device: 'dev2', body: new Uint8Array(256) }] },
  { t: 'ack', envelopes: ['e1', 'e2'] },
  { t: 'ping', id: 8 },
];

const serverFrames: ServerFrame[] = [
  { t: 'welcome', v: PROTOCOL_VERSION, device: 'dev1', time: 1_764_000_000_000 },
  { t: 'device-registered', id: 1, device: 'dev1' },
  { t: 'prekeys-stored', id: 2, oneTimePrekeys: 100 },
  { t: 'bundles', id: 3, bundles: [{ device: 'dev2', bundle: new Uint8Array(2000) }] },
  {
    t: 'devices',
    id: 4,
    devices: [{ device: 'dev1', name: 'Laptop', createdAt: 1, lastSeenAt: null, current: true }],
  },
  {
    t: 'device-owners',
    id: 9,
    devices: [{ device: 'dev1', account: 'alice', revoked: false }],
  },
  { t: 'sent', id: 7, msg },
  { t: 'done', id: 5 },
  { t: 'error', id: null, code: 'MALFORMED_FRAME' },
  { t: 'deliver', envelopes: [{ id: 'e1', from: 'dev1', msg, body: new Uint8Array(256), at: 5 }] },
  { t: 'queue-empty' },
  { t: 'prekeys-low', remaining: 3 },
];

function codeOf(run: () => unknown): string {
  try {
    run();
    return 'accepted';
  } catch (error) {
    return error instanceof ProtocolError ? error.code : `uncoded: ${String(error)}`;
  }
}

describe('wire frames', () => {
  it.each(clientFrames)('round-trips client frame $t', (frame) => {
    expect(decodeClientFrame(encodeFrame(frame))).toEqual(frame);
  });

  it.each(serverFrames)('round-trips server frame $t', (frame) => {
    expect(decodeServerFrame(encodeFrame(frame))).toEqual(frame);
  });

  it('is compact: binary bodies travel as raw bytes, not base64 text', () => {
    const body = new Uint8Array(256);
    const cbor = encodeFrame({ t: 'send', id: 7, msg, to: [{ device: 'dev2', body }] });
    const json = JSON.stringify({
      t: 'send',
      id: 7,
      msg: Buffer.from(msg).toString('base64'),
      to: [{ device: 'dev2', body: Buffer.from(body).toString('base64') }],
    });
    expect(cbor.byteLength - body.byteLength - msg.byteLength).toBeLessThanOrEqual(48);
    expect(cbor.byteLength).toBeLessThan(json.length * 0.8);
  });

  it.each<[string, unknown]>([
    ['an unknown type', { t: 'teleport', id: 1 }],
    ['an extra field', { t: 'ping', id: 1, extra: true }],
    ['a missing field', { t: 'send', id: 1, to: [] }],
    ['a zero request id', { t: 'ping', id: 0 }],
    ['a fractional request id', { t: 'ping', id: 1.5 }],
    [
      'a short message id',
      { t: 'send', id: 1, msg: new Uint8Array(15), to: [{ device: 'd', body: new Uint8Array(1) }] },
    ],
    ['no recipients', { t: 'send', id: 1, msg, to: [] }],
    ['an envelope as text', { t: 'send', id: 1, msg, to: [{ device: 'd', body: 'text' }] }],
    ['an empty ack', { t: 'ack', envelopes: [] }],
    [
      'a one-time prekey of the wrong length',
      {
        t: 'upload-prekeys',
        id: 1,
        signedPrekey: null,
        pqPrekey: null,
        oneTimePrekeys: [{ id: 1, publicKey: new Uint8Array(31) }],
      },
    ],
    ['a top-level array', ['ping', 1]],
    ['a device name too long', { t: 'rename-device', id: 1, device: 'd', name: 'x'.repeat(65) }],
    [
      'a short identity key',
      {
        t: 'register-device',
        id: 1,
        name: 'x',
        identity: {
          signingPublicKey: new Uint8Array(31),
          dhPublicKey: new Uint8Array(32),
          dhSignature: new Uint8Array(64),
        },
      },
    ],
  ])('refuses %s with MALFORMED_FRAME', (_name, value) => {
    expect(codeOf(() => decodeClientFrame(encode(value)))).toBe('MALFORMED_FRAME');
  });

  it('refuses more recipients than the limit', () => {
    const to = Array.from({ length: LIMITS.maxRecipients + 1 }, (_, i) => ({
      device: `d${i}`,
      body: new Uint8Array(1),
    }));
    expect(codeOf(() => decodeClientFrame(encode({ t: 'send', id: 1, msg, to })))).toBe(
      'MALFORMED_FRAME',
    );
  });

  it('refuses an oversized frame before decoding it', () => {
    expect(codeOf(() => decodeClientFrame(new Uint8Array(LIMITS.maxFrameBytes + 1)))).toBe(
      'FRAME_TOO_LARGE',
    );
  });

  it.each<[string, Uint8Array]>([
    ['truncated CBOR', encodeFrame({ t: 'ping', id: 1 }).slice(0, 5)],
    ['trailing bytes', new Uint8Array([...encodeFrame({ t: 'ping', id: 1 }), 0])],
    [
      'indefinite-length map',
      new Uint8Array([0xbf, 0x61, 0x74, 0x64, 0x70, 0x69, 0x6e, 0x67, 0xff]),
    ],
    ['duplicate map keys', new Uint8Array([0xa2, 0x61, 0x74, 0x61, 0x78, 0x61, 0x74, 0x61, 0x79])],
    ['undefined', new Uint8Array([0xf7])],
    ['deep nesting', new Uint8Array(200_000).fill(0x81)],
  ])('refuses %s with MALFORMED_FRAME', (_name, bytes) => {
    expect(codeOf(() => decodeClientFrame(bytes))).toBe('MALFORMED_FRAME');
  });

  it('reads the request id of a refused frame, for the error reply', () => {
    expect(readRequestId(encode({ t: 'nope', id: 42 }))).toBe(42);
    expect(readRequestId(encode({ t: 'nope', id: -1 }))).toBeNull();
    expect(readRequestId(new Uint8Array([0xff]))).toBeNull();
  });

  it('never throws anything but a coded error, whatever the bytes (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), (bytes) => {
        const code = codeOf(() => decodeClientFrame(bytes));
        return code === 'accepted' || code === 'MALFORMED_FRAME';
      }),
      { numRuns: 2000, seed: 20261125 },
    );
  });

  it('never throws anything but a coded error on mutated valid frames (property)', () => {
    const valid = clientFrames.map((frame) => encodeFrame(frame));
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: valid.length - 1 }),
        fc.nat(),
        fc.integer({ min: 0, max: 255 }),
        (which, position, value) => {
          const bytes = Uint8Array.from(valid[which] ?? []);
          bytes[position % bytes.length] = value;
          const code = codeOf(() => decodeClientFrame(bytes));
          return code === 'accepted' || code === 'MALFORMED_FRAME';
        },
      ),
      { numRuns: 3000, seed: 20261125 },
    );
  });
});
