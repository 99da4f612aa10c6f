import fc from 'fast-check';
import sodium from 'libsodium-wrappers';
import { beforeAll, describe, expect, it } from 'vitest';
import { utf8 } from './bytes.js';
import { decodeContent, encodeContent } from './content.js';
import { createMemoryStores, type MemoryStores } from './createMemoryStores.js';
import { CryptoError } from './CryptoError.js';
import { fuzzRuns, fuzzTarget, mutatedBytes } from '../../test/fuzzing.js';
import { generateDeviceKeys, type DeviceKeys } from './generateDeviceKeys.js';
import { groupDecrypt, groupEncrypt, peekGroupMessage } from './groupMessage.js';
import { initiateSession } from './initiateSession.js';
import {
  decodeIdentityKeyPair,
  decodeOneTimePrekey,
  decodePqPrekey,
  decodeSignedPrekey,
  encodeIdentityKeyPair,
  encodeOneTimePrekey,
  encodePqPrekey,
  encodeSignedPrekey,
} from './keyRecords.js';
import { padPlaintext, unpadPlaintext } from './padding.js';
import { decodePrekeyMessage, decodeRatchetMessage, peekMessageType } from './pairwiseMessage.js';
import { createPrekeyBundle, decodePrekeyBundle, encodePrekeyBundle } from './prekeyBundle.js';
import { receiveMessage } from './receiveMessage.js';
import {
  createSenderKey,
  decodeSenderKey,
  encodeSenderKey,
  processSenderKeyDistribution,
  senderKeyDistribution,
} from './SenderKeyState.js';
import {
  decodeSenderKeyDistribution,
  encodeSenderKeyDistribution,
} from './senderKeyDistribution.js';
import { sendMessage } from './sendMessage.js';
import { decodeSession, encodeSession } from './sessionRecord.js';

/*
 * Fuzzing of every decoder of the end-to-end protocol: prekey bundles, key and session records
 * (decoding only, through their public functions), pairwise and group messages (the envelopes'
 * contents, decrypted by a real receiver), content and padding. Inputs are byte-level mutations
 * of valid encodings and arbitrary bytes; every one must decode or be refused with a CryptoError.
 * Anything else thrown is a crash, an execution slower than HANG_MS a hang. FUZZ_SEED fixes the
 * inputs (CI uses the default); FUZZ_RUNS=200000 is the long local mode.
 */
const RUNS = fuzzRuns(2000);
const TIMEOUT_MS = 30_000 + RUNS * 10;

const cryptoCode = (error: unknown) => (error instanceof CryptoError ? error.code : undefined);
const fuzz = <T>(
  target: string,
  input: fc.Arbitrary<T>,
  run: (value: T) => unknown,
  runs: number = RUNS,
) => fuzzTarget({ target, input, run, codeOf: cryptoCode, runs });

/** Byte-level mutations, plus arbitrary bytes behind a valid header and arbitrary bytes alone. */
function mutated(samples: readonly Uint8Array[]): fc.Arbitrary<Uint8Array> {
  const edited = mutatedBytes(samples);
  // Arbitrary bytes behind a valid two-byte header reach past the version check.
  const headed = fc
    .tuple(fc.constantFrom(...samples), fc.uint8Array({ maxLength: 2048 }))
    .map(([sample, tail]) => Uint8Array.from([...sample.subarray(0, 2), ...tail]));
  return fc.oneof(
    { arbitrary: edited, weight: 6 },
    { arbitrary: headed, weight: 2 },
    { arbitrary: fc.uint8Array({ maxLength: 2048 }), weight: 1 },
  );
}

const sameBytes = (a: Uint8Array, b: Uint8Array) =>
  a.length === b.length && a.every((byte, index) => byte === b[index]);

/** A stored session, as a device's store hands it back for a snapshot. */
async function sessionOf(p: Party, address: string) {
  const session = await p.stores.sessions.loadSession(address);
  if (session === undefined) throw new Error(`no session with ${address}`);
  return session;
}

interface Party {
  readonly keys: DeviceKeys;
  readonly stores: MemoryStores;
}

function party(): Party {
  const keys = generateDeviceKeys(sodium, { now: 1_764_000_000_000, oneTimePrekeys: 2 });
  return { keys, stores: createMemoryStores(keys) };
}

describe('end-to-end protocol decoders under fuzzing', () => {
  let alice: Party;
  let bob: Party;
  let prekeyMessage: Uint8Array;
  let ratchetMessage: Uint8Array;

  beforeAll(async () => {
    await sodium.ready;
    alice = party();
    bob = party();
    const { identity, signedPrekey, pqPrekey, oneTimePrekeys } = bob.keys;
    await alice.stores.sessions.storeSession(
      'bob',
      initiateSession(
        sodium,
        alice.keys.identity,
        createPrekeyBundle(identity, signedPrekey, pqPrekey, oneTimePrekeys[0]),
        1_764_000_000_000,
      ),
    );
    prekeyMessage = await sendMessage(sodium, alice.stores.sessions, 'bob', utf8('first'));
    await receiveMessage(sodium, bob.stores, bob.keys.identity, 'alice', prekeyMessage);
    const reply = await sendMessage(sodium, bob.stores.sessions, 'alice', utf8('reply'));
    await receiveMessage(sodium, alice.stores, alice.keys.identity, 'bob', reply);
    ratchetMessage = await sendMessage(sodium, alice.stores.sessions, 'bob', utf8('second'));
  });

  it(
    'decodePrekeyBundle refuses mutated bundles with a coded error only',
    async () => {
      const { identity, signedPrekey, pqPrekey, oneTimePrekeys } = bob.keys;
      const samples = [
        encodePrekeyBundle(createPrekeyBundle(identity, signedPrekey, pqPrekey)),
        encodePrekeyBundle(createPrekeyBundle(identity, signedPrekey, pqPrekey, oneTimePrekeys[1])),
      ];
      await fuzz('decodePrekeyBundle', mutated(samples), decodePrekeyBundle);
    },
    TIMEOUT_MS,
  );

  it(
    'decodes key records (identity, signed, X-Wing, one-time prekeys) or refuses them with a code',
    async () => {
      const { identity, signedPrekey, pqPrekey, oneTimePrekeys } = alice.keys;
      const decoders = [
        decodeIdentityKeyPair,
        decodeSignedPrekey,
        decodePqPrekey,
        decodeOneTimePrekey,
      ] as const;
      const samples = [
        encodeIdentityKeyPair(identity),
        encodeSignedPrekey(signedPrekey),
        encodePqPrekey(pqPrekey),
        ...oneTimePrekeys.map((prekey) => encodeOneTimePrekey(prekey)),
      ];
      await fuzz(
        'decode key records',
        fc.tuple(mutated(samples), fc.nat(decoders.length - 1)),
        ([bytes, which]) => decoders[which]?.(bytes),
      );
    },
    TIMEOUT_MS,
  );

  it(
    'decodeSession restores mutated session snapshots or refuses them with a code',
    async () => {
      const samples = [
        encodeSession(await sessionOf(alice, 'bob')),
        encodeSession(await sessionOf(bob, 'alice')),
      ];
      await fuzz('decodeSession', mutated(samples), decodeSession);
    },
    TIMEOUT_MS,
  );

  it(
    'a receiver refuses mutated envelopes with a code, and its session still works afterwards',
    async () => {
      const sessionBefore = encodeSession(await sessionOf(bob, 'alice'));
      await fuzz(
        'receiveMessage(mutated envelope)',
        mutated([prekeyMessage, ratchetMessage]),
        async (bytes) => {
          peekMessageType(bytes);
          try {
            decodePrekeyMessage(bytes);
          } catch (error) {
            if (!(error instanceof CryptoError)) throw error;
          }
          try {
            decodeRatchetMessage(bytes);
          } catch (error) {
            if (!(error instanceof CryptoError)) throw error;
          }
          // A fresh copy of Bob's state each time, so one accepted input cannot mask the next.
          const stores = createMemoryStores(bob.keys);
          await stores.sessions.storeSession('alice', decodeSession(sessionBefore));
          await receiveMessage(sodium, stores, bob.keys.identity, 'alice', bytes);
          if (!sameBytes(bytes, ratchetMessage)) throw new Error('accepted a changed envelope');
        },
        Math.max(50, Math.floor(RUNS / 4)),
      );
      // None of that touched the real state: Alice's next message decrypts.
      const received = await receiveMessage(
        sodium,
        bob.stores,
        bob.keys.identity,
        'alice',
        ratchetMessage,
      );
      expect(new TextDecoder().decode(received.content)).toBe('second');
    },
    TIMEOUT_MS,
  );

  it(
    'a group member refuses mutated group messages and sender key records with a code',
    async () => {
      const groupId = new Uint8Array(16).fill(3);
      const mine = createSenderKey(sodium, groupId);
      const theirs = processSenderKeyDistribution(senderKeyDistribution(mine));
      const { message } = groupEncrypt(sodium, mine, utf8('hello group'));
      const records = [
        encodeSenderKey(mine),
        encodeSenderKey(theirs),
        encodeSenderKeyDistribution(senderKeyDistribution(mine)),
      ];
      await fuzz('groupDecrypt(mutated group message)', mutated([message]), (bytes) => {
        peekGroupMessage(bytes);
        const { content } = groupDecrypt(sodium, theirs, bytes);
        // Only the untouched message may be accepted: anything else would be a forgery.
        if (!sameBytes(bytes, message) || new TextDecoder().decode(content) !== 'hello group') {
          throw new Error('accepted a changed group message');
        }
      });
      await fuzz(
        'decodeSenderKey / decodeSenderKeyDistribution',
        fc.tuple(mutated(records), fc.boolean()),
        ([bytes, distribution]) =>
          distribution ? decodeSenderKeyDistribution(bytes) : decodeSenderKey(bytes),
      );
    },
    TIMEOUT_MS,
  );

  it(
    'decodeContent and unpadPlaintext refuse mutated content with a code',
    async () => {
      const messageId = new Uint8Array(16).fill(1);
      const samples = [
        encodeContent({ type: 'text', messageId, sentAt: 1, groupId: null, text: 'héllo 👋' }),
        encodeContent({ type: 'receipt', kind: 'read', messageIds: [messageId, messageId] }),
        encodeContent({ type: 'typing', state: 'started', groupId: new Uint8Array(16) }),
        encodeContent({ type: 'control', kind: 'groupLeave', groupId: new Uint8Array(16) }),
      ];
      await fuzz(
        'decodeContent / unpadPlaintext',
        fc.tuple(mutated([...samples, ...samples.map((s) => padPlaintext(s))]), fc.boolean()),
        ([bytes, padded]) => (padded ? decodeContent(unpadPlaintext(bytes)) : decodeContent(bytes)),
      );
    },
    TIMEOUT_MS,
  );
});
