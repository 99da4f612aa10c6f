import { encode } from 'cborg';
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { decodeClientFrame, decodeServerFrame, encodeFrame, readRequestId } from './codec.js';
import type { ClientFrame, ServerFrame } from './frames.js';
import { LIMITS, PROTOCOL_VERSION } from './limits.js';
import { ProtocolError } from './ProtocolError.js';
import { fuzzRuns, fuzzTarget, mutatedBytes } from '../../test/fuzzing.js';

/*
 * Fuzzing of the wire codec: arbitrary bytes, byte-level mutations of valid frames, and valid
 * frames with a field swapped for an arbitrary value. Every input must decode or be refused with
 * a ProtocolError; anything else thrown is a crash, and a decode slower than HANG_MS a hang.
 * FUZZ_SEED fixes the inputs (CI uses the default); FUZZ_RUNS=200000 is the long local mode.
 */
const RUNS = fuzzRuns(3000);
const TIMEOUT_MS = 30_000 + RUNS * 5;

const fuzz = <T>(
  target: string,
  input: fc.Arbitrary<T>,
  run: (value: T) => unknown,
  codeOf: (error: unknown) => string | undefined,
) => fuzzTarget({ target, input, run, codeOf, runs: RUNS });

/** CBOR-encodable values of every major type the decoder must survive in any field. */
const cborValue: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.integer(),
    fc.integer({ min: -(2 ** 53) + 1, max: 2 ** 53 - 1 }),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.boolean(),
    fc.constant(null),
    fc.string({ maxLength: 80 }),
    fc.string({ unit: 'binary', maxLength: 80 }),
    fc.uint8Array({ maxLength: 80 }),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.string({ maxLength: 12 }), tie('value'), { maxKeys: 4 }),
  ),
})).value;

/** A valid frame with one field replaced by, or one field added with, an arbitrary value. */
function withArbitraryField(samples: readonly object[]): fc.Arbitrary<Uint8Array> {
  return fc
    .tuple(fc.constantFrom(...samples), fc.nat(), fc.string({ maxLength: 8 }), cborValue)
    .map(([sample, pick, extraKey, value]) => {
      const copy: Record<string, unknown> = { ...sample };
      const keys = Object.keys(copy);
      const key =
        pick % (keys.length + 1) === keys.length ? extraKey : (keys[pick % keys.length] ?? '');
      copy[key] = value;
      return encode(copy);
    });
}

const msg = new Uint8Array(16).fill(7);
const clientFrames: ClientFrame[] = [
  { t: 'hello', v: PROTOCOL_VERSION, device: null },
  { t: 'hello', v: PROTOCOL_VERSION, device: 'dev1' },
  {
    t: 'register-device',
    id: 1,
    name: 'Laptop',
    identity: {
      signingPublicKey: new Uint8Array(32).fill(1),
      dhPublicKey: new Uint8Array(32).fill(2),
      dhSignature: new Uint8Array(64).fill(3),
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
    oneTimePrekeys: [
      { id: 100, publicKey: new Uint8Array(32).fill(4) },
      { id: 101, publicKey: new Uint8Array(32).fill(5) },
    ],
  },
  { t: 'fetch-bundles', id: 3, account: 'bob' },
  { t: 'list-devices', id: 4 },
  { t: 'rename-device', id: 5, device: 'dev1', name: 'Phone' },
  { t: 'revoke-device', id: 6, device: 'dev1' },
  {
    t: 'send',
    id: 7,
    msg,
    to: [
      { device: 'dev2', body: new Uint8Array(64).fill(9) },
      { device: 'dev3', body: new Uint8Array(32).fill(8) },
    ],
  },
  { t: 'ack', envelopes: ['e1', 'e2'] },
  { t: 'ping', id: 8 },
];
const serverFrames: ServerFrame[] = [
  { t: 'welcome', v: PROTOCOL_VERSION, device: 'dev1', time: 1_764_000_000_000 },
  { t: 'device-registered', id: 1, device: 'dev1' },
  { t: 'prekeys-stored', id: 2, oneTimePrekeys: 100 },
  { t: 'bundles', id: 3, bundles: [{ device: 'dev2', bundle: new Uint8Array(200).fill(1) }] },
  {
    t: 'devices',
    id: 4,
    devices: [{ device: 'dev1', name: 'Laptop', createdAt: 1, lastSeenAt: null, current: true }],
  },
  { t: 'sent', id: 7, msg },
  { t: 'done', id: 5 },
  { t: 'error', id: 9, code: 'RATE_LIMITED' },
  { t: 'deliver', envelopes: [{ id: 'e1', from: 'dev1', msg, body: new Uint8Array(64), at: 5 }] },
  { t: 'queue-empty' },
  { t: 'prekeys-low', remaining: 3 },
];
const clientBytes = clientFrames.map((frame) => encodeFrame(frame));
const serverBytes = serverFrames.map((frame) => encodeFrame(frame));

const protocolCode = (error: unknown) => (error instanceof ProtocolError ? error.code : undefined);

describe('wire codec under fuzzing', () => {
  it(
    'decodeClientFrame refuses arbitrary bytes with a coded error only',
    async () => {
      await fuzz(
        'decodeClientFrame(arbitrary bytes)',
        fc.oneof(
          { arbitrary: fc.uint8Array({ maxLength: 1024 }), weight: 19 },
          // Big frames around the limit, where the size check must win over parsing.
          fc
            .integer({ min: LIMITS.maxFrameBytes - 2, max: LIMITS.maxFrameBytes + 2 })
            .chain((length) =>
              fc.constantFrom(new Uint8Array(length), new Uint8Array(length).fill(0x81)),
            ),
        ),
        decodeClientFrame,
        protocolCode,
      );
    },
    TIMEOUT_MS,
  );

  it(
    'decodeClientFrame refuses mutated valid frames with a coded error only',
    async () => {
      await fuzz(
        'decodeClientFrame(mutated frames)',
        mutatedBytes(clientBytes),
        decodeClientFrame,
        protocolCode,
      );
    },
    TIMEOUT_MS,
  );

  it(
    'decodeClientFrame refuses valid frames with an arbitrary field with a coded error only',
    async () => {
      await fuzz(
        'decodeClientFrame(arbitrary field)',
        withArbitraryField(clientFrames),
        decodeClientFrame,
        protocolCode,
      );
    },
    TIMEOUT_MS,
  );

  it(
    'decodeServerFrame refuses mutated and arbitrary input with a coded error only',
    async () => {
      await fuzz(
        'decodeServerFrame(mutated, arbitrary field, arbitrary bytes)',
        fc.oneof(
          mutatedBytes(serverBytes),
          withArbitraryField(serverFrames),
          fc.uint8Array({ maxLength: 1024 }),
        ),
        decodeServerFrame,
        protocolCode,
      );
    },
    TIMEOUT_MS,
  );

  it(
    'readRequestId never throws, and reads only ids the schema allows',
    async () => {
      await fuzz(
        'readRequestId',
        fc.oneof(mutatedBytes(clientBytes), withArbitraryField(clientFrames)),
        (bytes) => {
          const id = readRequestId(bytes);
          if (id !== null && !(Number.isInteger(id) && id >= 1 && id <= 0xffff_ffff)) {
            throw new RangeError(`read an id the schema refuses: ${id}`);
          }
        },
        () => undefined, // nothing may be thrown at all
      );
    },
    TIMEOUT_MS,
  );
});
