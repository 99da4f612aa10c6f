import { encodeBase64Url } from '@vaultroom/shared';
import { parseVerifierKey } from '@vaultroom/shared/transparency';
import sodium from 'libsodium-wrappers';
import { encodeContent, sendMessage } from '@vaultroom/shared/crypto';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createChatRepository } from './createChatRepository.js';
import { clock, createFakeRelay, person, settle, type Person } from './chatEngineTestRelay.js';
import { GOSSIP_INTERVAL_MS } from './checkpointGossip.js';

/**
 * PROTOCOL.md §1.8.3: devices tell each other the checkpoint they trust inside end-to-end
 * content, so a relay keeping one log per person is seen by both through one exchange.
 */

/** Past the interval between two checkpoints told to one conversation. */
const LATER = GOSSIP_INTERVAL_MS + 1000;

async function reconnect(p: Person): Promise<void> {
  p.setOnline(false);
  p.setOnline(true);
  await settle();
}

const warnings = async (p: Person) =>
  (await p.engine.logStatus()).notices.warnings.map(({ kind, from }) => ({ kind, from }));

/** Alice and Bob have talked (sessions both ways), each trusting the one honest log. */
async function talking() {
  const relay = createFakeRelay();
  const alice = await person(relay, 'alice');
  const bob = await person(relay, 'bob');
  await alice.engine.startConversation('bob');
  await alice.engine.sendText('bob', 'hi');
  await settle();
  await bob.engine.sendText('alice', 'hello');
  await settle();
  return { relay, alice, bob };
}

/** One message from Alice and what it brings back from Bob, past the gossip interval. */
async function exchange(alice: Person) {
  clock.offset += LATER;
  await alice.engine.sendText('bob', 'are we on one log?');
  await settle();
}

describe('checkpoints compared between contacts', () => {
  beforeAll(async () => {
    await sodium.ready;
  });
  afterEach(() => {
    clock.offset = 0;
  });

  it('finds nothing and agrees on the newest checkpoint while the relay keeps one log', async () => {
    const { relay, alice, bob } = await talking();
    relay.keyLog.forge(null);
    await reconnect(alice);
    await exchange(alice);
    expect(await warnings(alice)).toEqual([]);
    expect(await warnings(bob)).toEqual([]);
    // Bob learned the larger checkpoint from Alice, proven by the relay to extend his.
    expect((await bob.engine.logStatus()).trusted?.size).toBe(relay.keyLog.leaves.length);
  });

  it('shows both people a relay that gives them two roots for one size', async () => {
    const { relay, alice, bob } = await talking();
    relay.keyLog.fork('bob');
    relay.keyLog.forge('bob');
    relay.keyLog.forge(null);
    await reconnect(alice);
    await reconnect(bob);
    // Each log only grew, as each device sees it: monitoring alone finds nothing.
    expect(await warnings(alice)).toEqual([]);
    expect(await warnings(bob)).toEqual([]);
    await exchange(alice);
    expect(await warnings(alice)).toEqual([{ kind: 'two-roots', from: 'bob' }]);
    expect(await warnings(bob)).toEqual([{ kind: 'two-roots', from: 'alice' }]);
  });

  it('shows both people a relay that shows one of them a shorter log of its own', async () => {
    const { relay, alice, bob } = await talking();
    relay.keyLog.fork('bob');
    relay.keyLog.forge('bob');
    relay.keyLog.forge(null);
    relay.keyLog.forge(null);
    await reconnect(alice);
    await reconnect(bob);
    expect(await warnings(alice)).toEqual([]);
    expect(await warnings(bob)).toEqual([]);
    await exchange(alice);
    // Alice holds the larger log: Bob's smaller checkpoint is not a prefix of it.
    expect(await warnings(alice)).toEqual([{ kind: 'not-extended', from: 'bob' }]);
    // Bob: the relay signed Alice's size, yet its newest for him is smaller.
    expect(await warnings(bob)).toEqual([{ kind: 'shrunk', from: 'alice' }]);
    // Kept in the sealed store: a new engine on the same store still shows it.
    const again = await person(relay, 'bob', bob.store);
    expect(await warnings(again)).toContainEqual({ kind: 'shrunk', from: 'alice' });
  });

  it('shows both people a relay that signs one person’s log with a key of its own', async () => {
    const relay = createFakeRelay();
    const alice = await person(relay, 'alice');
    // Bob's device joins without a pinned key: it takes the relay's key on first use.
    relay.keyLog.signApart('bob');
    const bob = await person(relay, 'bob');
    await alice.engine.startConversation('bob');
    await alice.engine.sendText('bob', 'hi');
    await settle();
    await bob.engine.sendText('alice', 'hello');
    await settle();
    await exchange(alice);
    expect(await warnings(alice)).toContainEqual({ kind: 'other-key', from: 'bob' });
    expect(await warnings(bob)).toContainEqual({ kind: 'other-key', from: 'alice' });
  });

  it('keeps a warning when monitoring finds the relay no longer has the size it trusted', async () => {
    const { relay, alice } = await talking();
    relay.keyLog.fork('alice', 2);
    await reconnect(alice);
    expect(await warnings(alice)).toEqual([{ kind: 'shrunk', from: null }]);
  });

  it('keeps a warning when the relay serves the Security screen a shorter log', async () => {
    const { relay, alice } = await talking();
    expect(await alice.engine.compareRelayCheckpoint(relay.keyLog.note())).toEqual({
      kind: 'consistent',
    });
    relay.keyLog.fork('alice', 1);
    expect(await alice.engine.compareRelayCheckpoint(relay.keyLog.note('alice'))).toEqual({
      kind: 'warning',
      warning: 'shrunk',
    });
    expect(await warnings(alice)).toEqual([{ kind: 'shrunk', from: null }]);
  });

  it('tells a conversation its checkpoint at most once a minute', async () => {
    const { relay, alice, bob } = await talking();
    clock.offset += LATER;
    const since = relay.log.length;
    for (const text of ['one', 'two', 'three']) await alice.engine.sendText('bob', text);
    await settle();
    const toBob = () =>
      relay.log.slice(since).filter((e) => e.from === alice.device() && e.to === bob.device());
    // Three messages and one checkpoint.
    expect(toBob()).toHaveLength(4);
    clock.offset += LATER;
    await alice.engine.sendText('bob', 'four');
    await settle();
    expect(toBob()).toHaveLength(6);
  });
});

describe('checkpoints a contact’s device sends without pause', () => {
  beforeAll(async () => {
    await sodium.ready;
  });

  it('are compared at most once each ten seconds per device, so they cost few relay questions', async () => {
    const { relay, alice, bob } = await talking();
    // Alice's device, taken over, sends one checkpoint after another, each of a newer size:
    // each would have Bob ask the relay for proofs.
    const sessions = createChatRepository(alice.store).sessions;
    const asked = vi.spyOn(relay.keyLog, 'proveKeys');
    for (let i = 0; i < 5; i++) {
      relay.keyLog.forge(null);
      const body = await sendMessage(
        sodium,
        sessions,
        bob.device(),
        encodeContent({ type: 'checkpoint', note: relay.keyLog.note() }),
      );
      await alice.transport.send([{ device: bob.device(), body }]);
      await settle();
    }
    // The first one: a proof from Bob's size, and one from the larger; the others are dropped.
    expect(asked.mock.calls.length).toBeLessThanOrEqual(2);
    expect(await warnings(bob)).toEqual([]);
  });
});

describe('the log key pinned by the invite link', () => {
  beforeAll(async () => {
    await sodium.ready;
  });

  const linkKeyOf = (verifierKey: string) =>
    encodeBase64Url(parseVerifierKey(verifierKey).publicKey);

  it('trusts the log signed by the pinned key, and says it was pinned', async () => {
    const relay = createFakeRelay();
    const alice = await person(relay, 'alice', undefined, {
      pinnedLogKey: linkKeyOf(relay.keyLog.verifierKey),
    });
    const status = await alice.engine.logStatus();
    expect(status.trusted?.pinned).toBe(true);
    expect(status.notices.warnings).toEqual([]);
    const unpinned = await person(relay, 'bob');
    expect((await unpinned.engine.logStatus()).trusted?.pinned).toBe(false);
  });

  it('refuses a log signed by another key than the pinned one', async () => {
    const relay = createFakeRelay();
    const other = encodeBase64Url(sodium.crypto_sign_keypair().publicKey);
    const alice = await person(relay, 'alice', undefined, { pinnedLogKey: other });
    const status = await alice.engine.logStatus();
    expect(status.trusted).toBeNull();
    expect(status.notices.warnings.map(({ kind, from }) => ({ kind, from }))).toEqual([
      { kind: 'other-key', from: null },
    ]);
    expect(alice.issues).toContainEqual({ kind: 'log-inconsistent', code: 'UNKNOWN_KEY' });
  });
});
