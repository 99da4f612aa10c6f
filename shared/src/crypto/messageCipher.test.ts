import { blake2b } from '@noble/hashes/blake2.js';
import sodium from 'libsodium-wrappers';
import { beforeAll, describe, expect, it } from 'vitest';
import type { SessionState } from './SessionState.js';
import type { Sodium } from './Sodium.js';
import { CryptoError } from './CryptoError.js';
import { utf8 } from './bytes.js';
import { createMemoryStores } from './createMemoryStores.js';
import { createSeededRandom } from './createSeededRandom.js';
import { decryptMessage } from './decryptMessage.js';
import { labelPrefix } from './deriveKey.js';
import { encryptMessage } from './encryptMessage.js';
import { generateDeviceKeys } from './generateDeviceKeys.js';
import { groupDecrypt, groupEncrypt } from './groupMessage.js';
import { initiateSession } from './initiateSession.js';
import { LABELS, SIZES } from './labels.js';
import { decodeRatchetMessage } from './pairwiseMessage.js';
import { createPrekeyBundle } from './prekeyBundle.js';
import { receiveMessage } from './receiveMessage.js';
import { sendMessage } from './sendMessage.js';
import { createSenderKey } from './SenderKeyState.js';
import { encodeSession } from './sessionRecord.js';
import { SodiumArena } from './sodiumArena.js';

beforeAll(async () => {
  await sodium.ready;
});

/** The same libsodium without its WebAssembly module: every call goes through the wrappers. */
const wrappersOnly = (): Sodium => ({ ...sodium, libsodium: undefined }) as Sodium;

/** Alice and Bob with an answered handshake, so Alice's messages carry no prekey prefix. */
async function sessions(): Promise<{ alice: SessionState; bob: SessionState }> {
  const alice = generateDeviceKeys(sodium, { now: 0, oneTimePrekeys: 1 });
  const bob = generateDeviceKeys(sodium, { now: 0, oneTimePrekeys: 1 });
  const aliceStores = createMemoryStores(alice);
  const bobStores = createMemoryStores(bob);
  const bundle = createPrekeyBundle(bob.identity, bob.signedPrekey, bob.pqPrekey);
  await aliceStores.sessions.storeSession(
    'bob',
    initiateSession(sodium, alice.identity, bundle, 0),
  );
  const hello = await sendMessage(sodium, aliceStores.sessions, 'bob', utf8('hello'));
  await receiveMessage(sodium, bobStores, bob.identity, 'alice', hello);
  const reply = await sendMessage(sodium, bobStores.sessions, 'alice', utf8('hi'));
  await receiveMessage(sodium, aliceStores, alice.identity, 'bob', reply);
  const a = aliceStores.peekSession('bob');
  const b = bobStores.peekSession('alice');
  if (!a || !b) throw new Error('no sessions');
  return { alice: a, bob: b };
}

const seed = (n: number) => createSeededRandom(sodium, new Uint8Array(32).fill(n));
const hex = (bytes: Uint8Array) => sodium.to_hex(bytes);
const record = (session: SessionState) => hex(encodeSession(session));

function codeOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (error instanceof CryptoError) return error.code;
    throw error;
  }
  return 'accepted';
}

/** How many times `needle` occurs in libsodium's WebAssembly memory. */
function occurrences(needle: Uint8Array): number {
  const heap = (sodium as unknown as { libsodium: { HEAPU8: Uint8Array } }).libsodium.HEAPU8;
  const memory = Buffer.from(heap.buffer, heap.byteOffset, heap.length);
  let count = 0;
  for (let at = memory.indexOf(needle); at !== -1; at = memory.indexOf(needle, at + 1)) count++;
  return count;
}

describe('the per-message step (KDF_CK, padding, AEAD)', () => {
  it('runs in WebAssembly memory with libsodium-wrappers, and through the wrappers without it', () => {
    expect(SodiumArena.of(sodium)).not.toBeNull();
    expect(SodiumArena.of(wrappersOnly())).toBeNull();
  });

  it('writes byte-identical messages and states either way, for every padding bucket', async () => {
    const { alice, bob } = await sessions();
    for (const size of [0, 200, 255, 256, 1000, 5000, 40000, 65535]) {
      const content = sodium.randombytes_buf_deterministic(size, new Uint8Array(32).fill(size));
      const viaArena = encryptMessage(sodium, alice, content, seed(size));
      const viaWrappers = encryptMessage(wrappersOnly(), alice, content, seed(size));
      expect(hex(viaArena.message)).toBe(hex(viaWrappers.message));
      expect(record(viaArena.session)).toBe(record(viaWrappers.session));

      // Each way opens what the other sealed, to the same content and state (the first message
      // of Alice's new chain makes Bob take a DH step, with one random draw).
      const parsed = decodeRatchetMessage(viaWrappers.message);
      const openedByArena = decryptMessage(sodium, bob, parsed, seed(1));
      const openedByWrappers = decryptMessage(wrappersOnly(), bob, parsed, seed(1));
      expect(hex(openedByArena.content)).toBe(hex(content));
      expect(hex(openedByWrappers.content)).toBe(hex(content));
      expect(record(openedByArena.session)).toBe(record(openedByWrappers.session));
    }
  });

  it('opens skipped (out-of-order) messages the same way either way', async () => {
    const { alice, bob } = await sessions();
    let sender = alice;
    const sent: Uint8Array[] = [];
    for (let i = 0; i < 3; i++) {
      const out = encryptMessage(sodium, sender, utf8(`message ${i}`));
      sender = out.session;
      sent.push(out.message);
    }
    for (const lib of [sodium, wrappersOnly()]) {
      let receiver = bob;
      const read: string[] = [];
      for (const i of [2, 0, 1]) {
        const message = sent[i];
        if (!message) throw new Error('missing message');
        const result = decryptMessage(lib, receiver, decodeRatchetMessage(message));
        receiver = result.session;
        read.push(new TextDecoder().decode(result.content));
      }
      expect(read).toEqual(['message 2', 'message 0', 'message 1']);
      expect(receiver.skippedKeys.size).toBe(0);
    }
  });

  it('refuses an impossible nonce or ciphertext length as DECRYPT_FAILED either way', async () => {
    const { alice, bob } = await sessions();
    const parsed = decodeRatchetMessage(encryptMessage(sodium, alice, utf8('x')).message);
    const shortNonce = { ...parsed, nonce: parsed.nonce.subarray(1) };
    const shortCiphertext = { ...parsed, ciphertext: parsed.ciphertext.subarray(0, SIZES.tag - 1) };
    for (const lib of [sodium, wrappersOnly()]) {
      expect(codeOf(() => decryptMessage(lib, bob, shortNonce))).toBe('DECRYPT_FAILED');
      expect(codeOf(() => decryptMessage(lib, bob, shortCiphertext))).toBe('DECRYPT_FAILED');
      expect(codeOf(() => decryptMessage(lib, bob, parsed))).toBe('accepted');
    }
  });

  it('leaves no chain key, message key or plaintext in WebAssembly memory', () => {
    const arena = SodiumArena.of(sodium);
    if (!arena) throw new Error('no arena');
    // Made and checked in JavaScript only, so any copy in WebAssembly memory is the arena's.
    const chainKey = crypto.getRandomValues(new Uint8Array(SIZES.key));
    const content = crypto.getRandomValues(new Uint8Array(300));
    const nonce = crypto.getRandomValues(new Uint8Array(SIZES.nonce));
    const label = labelPrefix(LABELS.chainStep);
    const expected = blake2b(label, { key: chainKey, dkLen: 2 * SIZES.key });
    const ad = [labelPrefix(LABELS.messageAd), nonce];

    expect(arena.reserve(512)).toBe(true);
    const next = arena.chainStep(label, chainKey);
    const sealed = new Uint8Array(512 + SIZES.tag);
    arena.seal(ad, content, 512, nonce, sealed, 0);
    arena.wipe();
    expect(hex(next)).toBe(hex(expected.subarray(0, SIZES.key)));

    arena.chainStep(label, chainKey);
    const opened = arena.open(ad, nonce, sealed)?.slice();
    arena.wipe();
    expect(opened && hex(opened.subarray(0, content.length))).toBe(hex(content));

    // The chain key and the plaintext were only ever in the arena: gone. libsodium's BLAKE2b
    // leaves its own copy of the 64-byte output on the WebAssembly stack (a local buffer that
    // blake2b_final does not zero; the wrappers leave it too), so the derived keys may appear
    // once there, but not a second time in the arena.
    expect(occurrences(chainKey)).toBe(0);
    expect(occurrences(content.subarray(0, 32))).toBe(0);
    expect(occurrences(content.subarray(content.length - 32))).toBe(0);
    expect(occurrences(expected.subarray(0, SIZES.key))).toBeLessThanOrEqual(1);
    expect(occurrences(expected.subarray(SIZES.key))).toBeLessThanOrEqual(1);
    // The search finds what is there: the ciphertext, which is not secret, stays.
    expect(occurrences(sealed.subarray(0, 32))).toBe(1);
  });

  it('writes byte-identical group messages either way', () => {
    const state = createSenderKey(sodium, new Uint8Array(16).fill(7), seed(3));
    for (const size of [0, 200, 3000]) {
      const content = new Uint8Array(size).fill(size & 0xff);
      const viaArena = groupEncrypt(sodium, state, content, seed(size));
      const viaWrappers = groupEncrypt(wrappersOnly(), state, content, seed(size));
      expect(hex(viaArena.message)).toBe(hex(viaWrappers.message));
      expect(hex(viaArena.state.chainKey)).toBe(hex(viaWrappers.state.chainKey));
      expect(hex(groupDecrypt(sodium, state, viaArena.message).content)).toBe(hex(content));
    }
  });

  it('puts the pending prekey prefix in front of the message, in one array of its own', () => {
    const alice = generateDeviceKeys(sodium, { now: 0, oneTimePrekeys: 1 });
    const bob = generateDeviceKeys(sodium, { now: 0, oneTimePrekeys: 1 });
    const bundle = createPrekeyBundle(bob.identity, bob.signedPrekey, bob.pqPrekey);
    const session = initiateSession(sodium, alice.identity, bundle, 0);
    const { pendingPrekey } = session;
    if (!pendingPrekey) throw new Error('no pending prekey');
    const viaArena = encryptMessage(sodium, session, utf8('first'), seed(1)).message;
    const viaWrappers = encryptMessage(wrappersOnly(), session, utf8('first'), seed(1)).message;
    expect(hex(viaArena)).toBe(hex(viaWrappers));
    expect(hex(viaArena.subarray(0, pendingPrekey.length))).toBe(hex(pendingPrekey));
    expect(viaArena.byteOffset).toBe(0);
    expect(viaArena.buffer.byteLength).toBe(viaArena.length);
  });
});
