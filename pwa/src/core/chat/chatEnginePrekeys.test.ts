import sodium from 'libsodium-wrappers';
import { labels } from '@vaultroom/shared/crypto';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { clock, createFakeRelay, person, settle, type Person } from './chatEngineTestRelay.js';
import { createChatRepository } from './createChatRepository.js';

const DAY = 24 * 60 * 60 * 1000;

describe('the chat engine’s signed and X-Wing prekeys', () => {
  beforeAll(async () => {
    await sodium.ready;
  });
  afterEach(() => {
    clock.offset = 0;
  });

  const texts = async (p: Person, conversation: string) =>
    (await p.engine.listMessages(conversation)).map((m) => m.text);
  const reconnect = async (p: Person) => {
    p.setOnline(false);
    p.setOnline(true);
    await settle();
  };

  it('rotate after 7 days, stay 30 days after their successor, then open no first message made with them', async () => {
    const relay = createFakeRelay();
    const alice = await person(relay, 'alice');
    const bob = await person(relay, 'bob');
    const carol = await person(relay, 'carol');
    const [aliceDevice] = [...relay.devices.values()].filter((d) => d.account === 'alice');
    if (aliceDevice === undefined) throw new Error('no device');
    const published = () => [aliceDevice.signedPrekey?.id, aliceDevice.pqPrekey?.id];
    expect(published()).toEqual([1, 1]);

    // Day 0, Alice offline: Bob and Carol write first, with the bundle of the day. The relay
    // keeps both envelopes back (a slow relay, or one that hoards them on purpose).
    alice.setOnline(false);
    await bob.engine.startConversation('alice');
    await bob.engine.sendText('alice', 'from bob, made on day 0');
    await carol.engine.startConversation('alice');
    await carol.engine.sendText('alice', 'from carol, made on day 0');
    await settle();
    const held = aliceDevice.mailbox.splice(0);
    expect(held).toHaveLength(2);
    const [fromBob, fromCarol] = held;
    if (fromBob === undefined || fromCarol === undefined) throw new Error('not held');

    // Day 6: not due yet.
    clock.offset = 6 * DAY;
    await reconnect(alice);
    expect(published()).toEqual([1, 1]);

    // Day 8: due. A new pair is published, the old one kept for first messages in flight.
    clock.offset = 8 * DAY;
    await reconnect(alice);
    expect(published()).toEqual([2, 2]);
    const repo = createChatRepository(alice.store);
    expect(await repo.prekeys.loadSignedPrekey(1)).toBeDefined();
    expect(await repo.prekeys.loadPqPrekey(1)).toBeDefined();
    aliceDevice.mailbox.push(fromBob);
    await reconnect(alice);
    expect(await texts(alice, 'bob')).toEqual(['from bob, made on day 0']);

    // Day 38 and a minute: 30 days after its successor, the old pair is gone, and so is the
    // record of the handshake that used it. The pair of day 8 is due too.
    clock.offset = 38 * DAY + 60_000;
    await reconnect(alice);
    expect(published()).toEqual([3, 3]);
    expect(await repo.prekeys.loadSignedPrekey(1)).toBeUndefined();
    expect(await repo.prekeys.loadPqPrekey(1)).toBeUndefined();
    expect(await repo.prekeys.loadSignedPrekey(2)).toBeDefined();
    const handshakes = await repo.superseded.listHandshakes();
    expect(handshakes.some((h) => h.signedPrekeyId === 1)).toBe(false);
    // The relay hands over Carol's first message at last: made with a deleted key, it opens
    // no more, and Alice's app says a message could not be read.
    alice.issues.length = 0;
    aliceDevice.mailbox.push(fromCarol);
    await reconnect(alice);
    expect(await alice.engine.listConversations()).not.toContainEqual(
      expect.objectContaining({ id: 'carol' }),
    );
    expect(alice.issues).toContainEqual(expect.objectContaining({ kind: 'undecryptable' }));

    // Day 45: due again; ids keep counting up, and new first contacts use the new keys.
    clock.offset = 45 * DAY + 60_000;
    await reconnect(alice);
    expect(published()).toEqual([4, 4]);
    const dave = await person(relay, 'dave');
    await dave.engine.startConversation('alice');
    await dave.engine.sendText('alice', 'from dave, on day 45');
    await settle();
    expect(await texts(alice, 'dave')).toEqual(['from dave, on day 45']);
  });

  it('keeps the schedule of PROTOCOL.md §1.4.4', () => {
    expect(labels.SIGNED_PREKEY_ROTATION_MS).toBe(7 * DAY);
    expect(labels.SIGNED_PREKEY_GRACE_MS).toBe(30 * DAY);
  });
});
