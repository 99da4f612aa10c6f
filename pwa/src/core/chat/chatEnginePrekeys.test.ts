import sodium from 'libsodium-wrappers';
import {
  decodeIdentityKeyPair,
  decodePqPrekey,
  decodeSignedPrekey,
  encodePqPrekey,
  encodeSignedPrekey,
  labels,
} from '@vaultroom/shared/crypto';
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

  it('refuse a first message against a bundle the relay keeps serving past rotation plus grace', async () => {
    const relay = createFakeRelay();
    const alice = await person(relay, 'alice');
    const bob = await person(relay, 'bob');
    // The relay keeps Alice's bundle of day 0 and serves it for ever after, whatever she
    // publishes (a hoarding relay, or one that took her old keys with a stolen backup).
    const dayZero = (await bob.transport.fetchBundles('alice')).bundles;
    expect(dayZero).toHaveLength(1);
    clock.offset = 8 * DAY;
    await reconnect(alice);
    relay.lies.bundles.set('alice', dayZero);

    // Day 36: within rotation plus grace, the old bundle still opens (Alice keeps the key).
    clock.offset = 36 * DAY;
    const erin = await person(relay, 'erin');
    await erin.engine.startConversation('alice');
    await erin.engine.sendText('alice', 'from erin, on day 36');
    await settle();
    expect(await texts(alice, 'erin')).toEqual(['from erin, on day 36']);

    // Day 38 and a minute: Alice has deleted that key. Frank's app refuses the stale bundle
    // instead of making a first message nobody can open, and says why in its log.
    clock.offset = 38 * DAY + 60_000;
    await reconnect(alice);
    const frank = await person(relay, 'frank');
    await expect(frank.engine.startConversation('alice')).rejects.toMatchObject({
      code: 'NO_DEVICES',
    });
    expect(frank.issues).toContainEqual(
      expect.objectContaining({ kind: 'stale-prekeys', account: 'alice' }),
    );
    alice.issues.length = 0;
    await reconnect(alice);
    expect(alice.issues).not.toContainEqual(expect.objectContaining({ kind: 'undecryptable' }));

    // Once the relay serves her current bundle, Frank reaches her.
    relay.lies.bundles.delete('alice');
    await frank.engine.startConversation('alice');
    await frank.engine.sendText('alice', 'from frank, on day 38');
    await settle();
    expect(await texts(alice, 'frank')).toEqual(['from frank, on day 38']);
  });

  it('replace prekeys signed without their date (before protocol version 5) at the next connection', async () => {
    const relay = createFakeRelay();
    const before = await person(relay, 'alice');
    before.setOnline(false);
    // Re-sign the stored pair the way version 4 did: key type 0x02/0x03, no creation time.
    const repo = createChatRepository(before.store);
    const stored = await repo.loadDevice();
    if (stored === undefined) throw new Error('no device');
    const secret = decodeIdentityKeyPair(stored.identity).signingSecretKey;
    const label = new TextEncoder().encode(labels.LABELS.prekeySignature);
    const undated = (type: number, id: number, publicKey: Uint8Array) => {
      const head = new Uint8Array(6);
      head[0] = type;
      new DataView(head.buffer).setUint32(1, id);
      const message = Uint8Array.from([
        label.length,
        ...label,
        ...head.subarray(0, 5),
        ...publicKey,
      ]);
      return sodium.crypto_sign_detached(message, secret);
    };
    const signed = decodeSignedPrekey(stored.signedPrekey);
    const pq = decodePqPrekey(stored.pqPrekey);
    await repo.saveDevice({
      ...stored,
      signedPrekey: encodeSignedPrekey({
        ...signed,
        signature: undated(0x02, 1, signed.publicKey),
      }),
      pqPrekey: encodePqPrekey({ ...pq, signature: undated(0x03, 1, pq.publicKey) }),
    });

    // The app is updated and opened again on the same store, on the same day.
    const alice = await person(relay, 'alice', before.store);
    const [device] = [...relay.devices.values()].filter((d) => d.account === 'alice');
    expect([device?.signedPrekey?.id, device?.pqPrekey?.id]).toEqual([2, 2]);
    const bob = await person(relay, 'bob');
    await bob.engine.startConversation('alice');
    await bob.engine.sendText('alice', 'to the updated app');
    await settle();
    expect(await texts(alice, 'bob')).toEqual(['to the updated app']);
  });

  it('keeps the schedule of PROTOCOL.md §1.4.4', () => {
    expect(labels.SIGNED_PREKEY_ROTATION_MS).toBe(7 * DAY);
    expect(labels.SIGNED_PREKEY_GRACE_MS).toBe(30 * DAY);
  });
});
