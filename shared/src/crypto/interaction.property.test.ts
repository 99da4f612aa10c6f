import fc from 'fast-check';
import sodium from 'libsodium-wrappers';
import { beforeAll, describe, expect, it } from 'vitest';
import type { DeviceKeys } from './generateDeviceKeys.js';
import type { MemoryStores } from './createMemoryStores.js';
import { CryptoError } from './CryptoError.js';
import { fromUtf8, utf8 } from './bytes.js';
import { createMemoryStores } from './createMemoryStores.js';
import { createPrekeyBundle } from './prekeyBundle.js';
import { createSeededRandom } from './createSeededRandom.js';
import { generateDeviceKeys } from './generateDeviceKeys.js';
import { initiateSession } from './initiateSession.js';
import { receiveMessage } from './receiveMessage.js';
import { sendMessage } from './sendMessage.js';

/*
 * Stateful property test in the spirit of libsignal's interaction fuzz target: two or three
 * devices, each pair with a session started by the lower-numbered one, and a network that
 * sends, delivers in any order, drops and duplicates. Every first delivery decrypts to what was
 * sent; every second delivery is refused. VAULTROOM_LONG_TESTS=1 runs 20× more and longer cases.
 */
const LONG = process.env['VAULTROOM_LONG_TESTS'] === '1';
const RUNS = LONG ? 1000 : 50;
const MAX_STEPS = LONG ? 600 : 120;

beforeAll(async () => {
  await sodium.ready;
});

type Op =
  | { readonly kind: 'send'; readonly from: number; readonly to: number }
  | { readonly kind: 'deliver'; readonly pick: number }
  | { readonly kind: 'drop'; readonly pick: number }
  | { readonly kind: 'duplicate'; readonly pick: number };

const opArbitrary = (parties: number): fc.Arbitrary<Op> =>
  fc.oneof(
    {
      weight: 4,
      arbitrary: fc.record({
        kind: fc.constant('send' as const),
        from: fc.nat(parties - 1),
        to: fc.nat(parties - 1),
      }),
    },
    { weight: 4, arbitrary: fc.record({ kind: fc.constant('deliver' as const), pick: fc.nat() }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('drop' as const), pick: fc.nat() }) },
    {
      weight: 1,
      arbitrary: fc.record({ kind: fc.constant('duplicate' as const), pick: fc.nat() }),
    },
  );

interface InFlight {
  readonly from: number;
  readonly to: number;
  readonly bytes: Uint8Array;
  readonly text: string;
}

async function run(
  parties: number,
  seed: Uint8Array,
  ops: readonly Op[],
): Promise<{ delivered: number }> {
  const random = createSeededRandom(sodium, seed);
  const devices: { keys: DeviceKeys; stores: MemoryStores }[] = [];
  for (let i = 0; i < parties; i++) {
    const keys = generateDeviceKeys(sodium, { now: 0, oneTimePrekeys: parties, random });
    devices.push({ keys, stores: createMemoryStores(keys) });
  }
  const device = (i: number) => {
    const found = devices[i];
    if (!found) throw new Error(`no device ${i}`);
    return found;
  };
  for (let i = 0; i < parties; i++) {
    for (let j = i + 1; j < parties; j++) {
      const b = device(j).keys;
      const bundle = createPrekeyBundle(
        b.identity,
        b.signedPrekey,
        b.pqPrekey,
        b.oneTimePrekeys[i],
      );
      await device(i).stores.sessions.storeSession(
        String(j),
        initiateSession(sodium, device(i).keys.identity, bundle, 0, random),
      );
    }
  }
  const inFlight: InFlight[] = [];
  const delivered: InFlight[] = [];
  let counter = 0;
  for (const op of ops) {
    switch (op.kind) {
      case 'send': {
        if (op.from === op.to) break;
        const sender = device(op.from);
        // The responder has no session until a message from the initiator arrives.
        if (!sender.stores.peekSession(String(op.to))) break;
        const text = `${op.from}->${op.to} #${counter++}`;
        const bytes = await sendMessage(
          sodium,
          sender.stores.sessions,
          String(op.to),
          utf8(text),
          random,
        );
        inFlight.push({ from: op.from, to: op.to, bytes, text });
        break;
      }
      case 'deliver': {
        if (inFlight.length === 0) break;
        const [message] = inFlight.splice(op.pick % inFlight.length, 1);
        if (!message) break;
        const receiver = device(message.to);
        const result = await receiveMessage(
          sodium,
          receiver.stores,
          receiver.keys.identity,
          String(message.from),
          message.bytes,
          random,
        );
        expect(fromUtf8(result.content, 'text')).toBe(message.text);
        expect(result.remoteIdentityKey).toEqual(
          device(message.from).keys.identity.signingPublicKey,
        );
        delivered.push(message);
        break;
      }
      case 'drop':
        if (inFlight.length > 0) inFlight.splice(op.pick % inFlight.length, 1);
        break;
      case 'duplicate': {
        const message = delivered[op.pick % Math.max(1, delivered.length)];
        if (!message) break;
        const receiver = device(message.to);
        await expect(
          receiveMessage(
            sodium,
            receiver.stores,
            receiver.keys.identity,
            String(message.from),
            message.bytes,
            random,
          ),
        ).rejects.toBeInstanceOf(CryptoError);
        break;
      }
    }
  }
  return { delivered: delivered.length };
}

describe('interaction property: send / deliver / drop / reorder / duplicate', () => {
  for (const parties of [2, 3]) {
    it(`${parties} devices: every delivered message decrypts to what was sent, no replay is accepted`, async () => {
      let total = 0;
      await fc.assert(
        fc.asyncProperty(
          fc.uint8Array({ minLength: 32, maxLength: 32 }),
          fc.array(opArbitrary(parties), { minLength: 10, maxLength: MAX_STEPS, size: 'max' }),
          async (seed, ops) => {
            total += (await run(parties, seed, ops)).delivered;
          },
        ),
        { numRuns: RUNS },
      );
      // Guard against a vacuous property: many messages were actually delivered.
      expect(total).toBeGreaterThan(RUNS * 5);
    }, 120_000);
  }
});
