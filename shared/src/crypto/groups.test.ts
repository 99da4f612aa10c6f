import sodium from 'libsodium-wrappers';
import { beforeAll, describe, expect, it } from 'vitest';
import type { SenderKeyState } from './SenderKeyState.js';
import { CryptoError } from './CryptoError.js';
import { utf8 } from './bytes.js';
import { decodeContent, encodeContent } from './content.js';
import { groupDecrypt, groupEncrypt } from './groupMessage.js';
import { receiveGroupMessage } from './receiveGroupMessage.js';
import { rotateSenderKey } from './rotateSenderKey.js';
import { sendGroupMessage } from './sendGroupMessage.js';
import { createMemoryStores } from './createMemoryStores.js';
import { createPrekeyBundle } from './prekeyBundle.js';
import { generateDeviceKeys } from './generateDeviceKeys.js';
import { initiateSession } from './initiateSession.js';
import { receiveMessage } from './receiveMessage.js';
import { sendMessage } from './sendMessage.js';
import {
  createSenderKey,
  decodeSenderKey,
  encodeSenderKey,
  processSenderKeyDistribution,
  senderKeyDistribution,
} from './SenderKeyState.js';
import { GROUP_MAX_SKIP } from './labels.js';

beforeAll(async () => {
  await sodium.ready;
});

const groupId = new Uint8Array(16).fill(7);

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (error instanceof CryptoError) return error.code;
    throw error;
  }
  return 'accepted';
}

describe('sender keys', () => {
  it('distributes a sender key over a pairwise session; members decrypt one ciphertext', async () => {
    const alice = generateDeviceKeys(sodium, { now: 0, oneTimePrekeys: 1 });
    const bob = generateDeviceKeys(sodium, { now: 0, oneTimePrekeys: 1 });
    const aliceStores = createMemoryStores(alice);
    const bobStores = createMemoryStores(bob);
    await aliceStores.sessions.storeSession(
      'bob',
      initiateSession(
        sodium,
        alice.identity,
        createPrekeyBundle(bob.identity, bob.signedPrekey, bob.pqPrekey),
        0,
      ),
    );
    const mine = createSenderKey(sodium, groupId);
    const distribution = encodeContent({
      type: 'groupKeyDistribution',
      distribution: senderKeyDistribution(mine),
    });
    const pairwise = await sendMessage(sodium, aliceStores.sessions, 'bob', distribution);
    const received = decodeContent(
      (await receiveMessage(sodium, bobStores, bob.identity, 'alice', pairwise)).content,
    );
    if (received.type !== 'groupKeyDistribution') throw new Error('wrong content type');
    await bobStores.senderKeys.storeSenderKey(
      groupId,
      'alice',
      processSenderKeyDistribution(received.distribution),
    );
    await aliceStores.senderKeys.storeSenderKey(groupId, 'alice', mine);
    const sent = await sendGroupMessage(
      sodium,
      aliceStores.senderKeys,
      groupId,
      'alice',
      utf8('hello group'),
    );
    expect(await receiveGroupMessage(sodium, bobStores.senderKeys, 'alice', sent)).toEqual(
      utf8('hello group'),
    );
    await expect(
      receiveGroupMessage(sodium, bobStores.senderKeys, 'alice', sent),
    ).rejects.toMatchObject({
      code: 'REPLAY',
    });
    // Filed under the delivering device: the same message claimed by another device is refused.
    await expect(
      receiveGroupMessage(sodium, bobStores.senderKeys, 'mallory', sent),
    ).rejects.toMatchObject({
      code: 'NO_SENDER_KEY',
    });
  });

  it('a member removed cannot read the next group message after rotation', () => {
    const before = createSenderKey(sodium, groupId);
    const bob = processSenderKeyDistribution(senderKeyDistribution(before));
    const carol = processSenderKeyDistribution(senderKeyDistribution(before));
    const m1 = groupEncrypt(sodium, before, utf8('all three'));
    expect(groupDecrypt(sodium, carol, m1.message).content).toEqual(utf8('all three'));
    // Carol is removed: Alice rotates and sends the new key to Bob only.
    const rotated = createSenderKey(sodium, groupId);
    expect(rotated.keyId).not.toBe(before.keyId);
    const bobNew = processSenderKeyDistribution(senderKeyDistribution(rotated));
    const m2 = groupEncrypt(sodium, rotated, utf8('without carol'));
    expect(groupDecrypt(sodium, bobNew, m2.message).content).toEqual(utf8('without carol'));
    expect(codeOf(() => groupDecrypt(sodium, carol, m2.message))).toBe('NO_SENDER_KEY');
    // Even if Carol relabels the new message with her old key id, it neither verifies nor decrypts.
    const relabelled = Uint8Array.from(m2.message);
    new DataView(relabelled.buffer).setUint32(18, before.keyId);
    expect(codeOf(() => groupDecrypt(sodium, carol, relabelled))).toBe('BAD_SIGNATURE');
    expect(codeOf(() => groupDecrypt(sodium, bob, m2.message))).toBe('NO_SENDER_KEY');
  });

  it('store API: after rotateSenderKey, the removed member cannot read the next group message', async () => {
    const [alice, bob, carol] = [0, 1, 2].map(() =>
      createMemoryStores(generateDeviceKeys(sodium, { now: 0, oneTimePrekeys: 0 })),
    );
    if (!alice || !bob || !carol) throw new Error('setup');
    // Distribution over pairwise sessions is shown in the first test; here it is handed over directly.
    const first = await rotateSenderKey(sodium, alice.senderKeys, groupId, 'alice');
    for (const member of [bob, carol]) {
      await member.senderKeys.storeSenderKey(groupId, 'alice', processSenderKeyDistribution(first));
    }
    const m1 = await sendGroupMessage(sodium, alice.senderKeys, groupId, 'alice', utf8('everyone'));
    expect(await receiveGroupMessage(sodium, carol.senderKeys, 'alice', m1)).toEqual(
      utf8('everyone'),
    );
    // Carol is removed: Alice rotates and distributes to Bob only; Bob drops Carol's keys.
    const second = await rotateSenderKey(sodium, alice.senderKeys, groupId, 'alice');
    expect(second.keyId).not.toBe(first.keyId);
    await bob.senderKeys.storeSenderKey(groupId, 'alice', processSenderKeyDistribution(second));
    await bob.senderKeys.removeSenderKeys(groupId, 'carol');
    const m2 = await sendGroupMessage(
      sodium,
      alice.senderKeys,
      groupId,
      'alice',
      utf8('without carol'),
    );
    expect(await receiveGroupMessage(sodium, bob.senderKeys, 'alice', m2)).toEqual(
      utf8('without carol'),
    );
    await expect(receiveGroupMessage(sodium, carol.senderKeys, 'alice', m2)).rejects.toMatchObject({
      code: 'NO_SENDER_KEY',
    });
  });

  it('refuses a message signed by another member, a replay, and every flipped byte, state unchanged', () => {
    const alice = createSenderKey(sodium, groupId);
    const bob = processSenderKeyDistribution(senderKeyDistribution(alice));
    const sent = groupEncrypt(sodium, alice, utf8('signed'));
    // A member holding the chain key but not Alice's signing key forges a message.
    const forger: SenderKeyState = {
      ...alice,
      signingSecretKey: createSenderKey(sodium, groupId).signingSecretKey,
    };
    const forged = groupEncrypt(sodium, forger, utf8('forged'));
    expect(codeOf(() => groupDecrypt(sodium, bob, forged.message))).toBe('BAD_SIGNATURE');
    const before = encodeSenderKey(bob);
    for (let i = 0; i < sent.message.length; i++) {
      const flipped = Uint8Array.from(sent.message);
      flipped[i] = (flipped[i] ?? 0) ^ 0x01;
      expect(codeOf(() => groupDecrypt(sodium, bob, flipped))).not.toBe('accepted');
    }
    for (let length = 0; length < sent.message.length; length++) {
      expect(codeOf(() => groupDecrypt(sodium, bob, sent.message.slice(0, length)))).not.toBe(
        'accepted',
      );
    }
    expect(encodeSenderKey(bob)).toEqual(before);
    const ok = groupDecrypt(sodium, bob, sent.message);
    expect(codeOf(() => groupDecrypt(sodium, ok.state, sent.message))).toBe('REPLAY');
  });

  it('handles out-of-order group messages within GROUP_MAX_SKIP and refuses beyond it', () => {
    let alice = createSenderKey(sodium, groupId);
    const bob = processSenderKeyDistribution(senderKeyDistribution(alice));
    const messages: Uint8Array[] = [];
    for (let i = 0; i <= GROUP_MAX_SKIP + 1; i++) {
      const out = groupEncrypt(sodium, alice, utf8(`g${i}`));
      alice = out.state;
      messages.push(out.message);
    }
    expect(
      codeOf(() => groupDecrypt(sodium, bob, messages[GROUP_MAX_SKIP + 1] ?? new Uint8Array())),
    ).toBe('MAX_SKIP_EXCEEDED');
    const late = groupDecrypt(sodium, bob, messages[GROUP_MAX_SKIP] ?? new Uint8Array());
    expect(late.content).toEqual(utf8(`g${GROUP_MAX_SKIP}`));
    const early = groupDecrypt(sodium, late.state, messages[3] ?? new Uint8Array());
    expect(early.content).toEqual(utf8('g3'));
    expect(decodeSenderKey(encodeSenderKey(early.state))).toEqual(early.state);
  });
});
