import sodium from 'libsodium-wrappers';
import {
  createPrekeyBundle,
  encryptMessage,
  generateDeviceKeys,
  initiateSession,
  labels,
} from '@vaultroom/shared/crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { createHandshakeLimiter } from './createHandshakeLimiter.js';

const HOUR = 60 * 60 * 1000;
let firstMessage: Uint8Array;
/** The session's second message: the same prefix, since Bob has not answered yet (§1.5.2). */
let secondMessage: Uint8Array;
/** A body of the ratchet type (§1.7.1): what every message is once a session is answered. */
const ratchetMessage = Uint8Array.from([1, labels.MESSAGE_TYPE.ratchet, ...new Uint8Array(80)]);

beforeAll(async () => {
  await sodium.ready;
  const alice = generateDeviceKeys(sodium, { now: 0, oneTimePrekeys: 0 });
  const bob = generateDeviceKeys(sodium, { now: 0, oneTimePrekeys: 0 });
  const bundle = createPrekeyBundle(bob.identity, bob.signedPrekey, bob.pqPrekey);
  const session = initiateSession(sodium, alice.identity, bundle, 0);
  const first = encryptMessage(sodium, session, new Uint8Array(10));
  firstMessage = first.message;
  secondMessage = encryptMessage(sodium, first.session, new Uint8Array(10)).message;
});

/** The same first message under another ephemeral key (bytes 130..162 of the prefix, §1.7.2). */
function otherHandshake(n: number): Uint8Array {
  const body = Uint8Array.from(firstMessage);
  body.set(sodium.crypto_generichash(32, new Uint8Array([n & 0xff, n >> 8]), null), 130);
  return body;
}

describe('the relay’s limit on first-message handshakes (PROTOCOL.md §1.5.7)', () => {
  it('admits 20 different handshakes towards one device in an hour, then refuses new ones', () => {
    const limiter = createHandshakeLimiter({ perWindow: 20, windowMs: HOUR });
    for (let n = 0; n < 20; n++) {
      expect(limiter.admit('mallory', [{ device: 'bob1', body: otherHandshake(n) }], n)).toBe(true);
    }
    expect(limiter.admit('mallory', [{ device: 'bob1', body: otherHandshake(20) }], 30)).toBe(
      false,
    );
    // Repeats of an admitted handshake (an unanswered session) and ratchet messages pass.
    expect(limiter.admit('mallory', [{ device: 'bob1', body: otherHandshake(3) }], 31)).toBe(true);
    expect(limiter.admit('mallory', [{ device: 'bob1', body: ratchetMessage }], 32)).toBe(true);
    // Another recipient device, another sender: their own budgets.
    expect(limiter.admit('mallory', [{ device: 'bob2', body: otherHandshake(20) }], 33)).toBe(true);
    expect(limiter.admit('alice', [{ device: 'bob1', body: otherHandshake(20) }], 34)).toBe(true);
    // An hour after the first, its place is free again.
    expect(limiter.admit('mallory', [{ device: 'bob1', body: otherHandshake(21) }], HOUR)).toBe(
      true,
    );
  });

  it('admits a fan-out whole or not at all', () => {
    const limiter = createHandshakeLimiter({ perWindow: 1, windowMs: HOUR });
    expect(limiter.admit('mallory', [{ device: 'bob2', body: otherHandshake(0) }], 0)).toBe(true);
    const fanOut = [
      { device: 'bob1', body: otherHandshake(1) },
      { device: 'bob2', body: otherHandshake(2) },
    ];
    expect(limiter.admit('mallory', fanOut, 1)).toBe(false);
    // bob1's place was not used by the refused send.
    expect(limiter.admit('mallory', [{ device: 'bob1', body: otherHandshake(3) }], 2)).toBe(true);
  });

  it('does not count bodies that are not first messages, malformed ones included', () => {
    const limiter = createHandshakeLimiter({ perWindow: 0, windowMs: HOUR });
    const cut = firstMessage.subarray(0, 200);
    for (const body of [ratchetMessage, cut, new Uint8Array(0), new Uint8Array([9, 9, 9])]) {
      expect(limiter.admit('mallory', [{ device: 'bob1', body }], 0)).toBe(true);
    }
    expect(limiter.admit('mallory', [{ device: 'bob1', body: firstMessage }], 0)).toBe(false);
  });

  it('counts an unanswered session once, however many messages it sends', () => {
    const limiter = createHandshakeLimiter({ perWindow: 1, windowMs: HOUR });
    expect(limiter.admit('alice', [{ device: 'bob1', body: firstMessage }], 0)).toBe(true);
    expect(limiter.admit('alice', [{ device: 'bob1', body: secondMessage }], 1)).toBe(true);
  });
});
