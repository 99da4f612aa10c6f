import sodium from 'libsodium-wrappers';
import { beforeAll, describe, expect, it } from 'vitest';
import { ChatError } from './ChatError.js';
import { createMemorySealedStore } from './createMemorySealedStore.js';
import { clock, createFakeRelay, lastMessage, person, settle } from './chatEngineTestRelay.js';

describe('the chat engine between two people', () => {
  beforeAll(async () => {
    await sodium.ready;
  });

  it('carries a message each way, with sent, delivered and read states', async () => {
    const relay = createFakeRelay();
    const alice = await person(relay, 'alice');
    const bob = await person(relay, 'bob');

    const conversation = await alice.engine.startConversation('@Bob');
    expect(conversation).toMatchObject({ id: 'bob', peer: 'bob', unread: 0 });
    const sent = await alice.engine.sendText('bob', '  Hello Bob  ');
    expect(sent).toMatchObject({ text: 'Hello Bob', state: 'queued', outgoing: true });
    await settle();

    const [atBob] = await bob.engine.listConversations();
    expect(atBob).toMatchObject({ id: 'alice', unread: 1, lastText: 'Hello Bob' });
    expect(await lastMessage(bob, 'alice')).toMatchObject({
      id: sent.id,
      text: 'Hello Bob',
      outgoing: false,
      author: 'alice',
      state: 'delivered',
    });
    expect((await lastMessage(alice, 'bob')).state).toBe('delivered');

    await bob.engine.markRead('alice');
    await settle();
    expect((await bob.engine.listConversations())[0]?.unread).toBe(0);
    expect((await lastMessage(alice, 'bob')).state).toBe('read');

    await bob.engine.sendText('alice', 'Hi Alice');
    await settle();
    expect(await lastMessage(alice, 'bob')).toMatchObject({ text: 'Hi Alice', outgoing: false });
    expect((await lastMessage(bob, 'alice')).state).toBe('delivered');
  });

  it('keeps a message written offline and sends it once on reconnect', async () => {
    const relay = createFakeRelay();
    const alice = await person(relay, 'alice');
    const bob = await person(relay, 'bob');
    await alice.engine.startConversation('bob');
    alice.setOnline(false);
    await alice.engine.sendText('bob', 'written offline');
    await settle();
    expect((await lastMessage(alice, 'bob')).state).toBe('queued');
    expect(await bob.engine.listConversations()).toEqual([]);

    alice.setOnline(true);
    await settle();
    const atBob = await bob.engine.listMessages('alice');
    expect(atBob.map((m) => m.text)).toEqual(['written offline']);
    expect((await lastMessage(alice, 'bob')).state).toBe('delivered');
  });

  it('says why a message waits while the relay refuses it for a quota, until it is sent', async () => {
    const relay = createFakeRelay();
    const alice = await person(relay, 'alice');
    const bob = await person(relay, 'bob');
    await alice.engine.startConversation('bob');
    relay.faults.sends.push('QUOTA_EXCEEDED');
    const sent = await alice.engine.sendText('bob', 'too much waits for bob');
    await settle();
    expect(await lastMessage(alice, 'bob')).toMatchObject({
      id: sent.id,
      state: 'queued',
      waiting: 'QUOTA_EXCEEDED',
    });
    expect(await bob.engine.listConversations()).toEqual([]);

    // A retry on the wire is no answer yet; the next refusal names its own reason.
    relay.faults.sends.push('SLOW_DOWN');
    alice.setOnline(true);
    await settle();
    expect(await lastMessage(alice, 'bob')).toMatchObject({
      state: 'queued',
      waiting: 'SLOW_DOWN',
    });

    alice.setOnline(true); // the outbox's next retry: the relay takes it
    await settle();
    expect(await lastMessage(alice, 'bob')).toMatchObject({ state: 'delivered', waiting: null });
    expect((await bob.engine.listMessages('alice')).map((m) => m.text)).toEqual([
      'too much waits for bob',
    ]);
  });

  it('forgets why a message waited when the relay says something else', async () => {
    const relay = createFakeRelay();
    const alice = await person(relay, 'alice');
    await person(relay, 'bob');
    await alice.engine.startConversation('bob');
    relay.faults.sends.push('QUOTA_EXCEEDED', 'DISCONNECTED');
    await alice.engine.sendText('bob', 'first refused, then cut off');
    await settle();
    expect((await lastMessage(alice, 'bob')).waiting).toBe('QUOTA_EXCEEDED');
    alice.setOnline(true);
    await settle();
    expect(await lastMessage(alice, 'bob')).toMatchObject({ state: 'queued', waiting: null });
  });

  it('shows a redelivered envelope once', async () => {
    const relay = createFakeRelay();
    const alice = await person(relay, 'alice');
    const bob = await person(relay, 'bob');
    await alice.engine.startConversation('bob');
    bob.setOnline(false);
    await alice.engine.sendText('bob', 'once');
    await settle();
    const bobDevice = [...relay.devices.values()].find((d) => d.account === 'bob');
    const envelope = bobDevice?.mailbox[0];
    if (bobDevice === undefined || envelope === undefined) throw new Error('nothing queued');
    bobDevice.mailbox.push(envelope); // the relay pushes it again after a lost ack
    bob.setOnline(true);
    await settle();
    expect((await bob.engine.listMessages('alice')).map((m) => m.text)).toEqual(['once']);
  });

  it('drops a tampered envelope with an issue and keeps nothing of it', async () => {
    const relay = createFakeRelay();
    const alice = await person(relay, 'alice');
    const bob = await person(relay, 'bob');
    await alice.engine.startConversation('bob');
    bob.setOnline(false);
    await alice.engine.sendText('bob', 'tamper with me');
    await settle();
    const bobDevice = [...relay.devices.values()].find((d) => d.account === 'bob');
    const envelope = bobDevice?.mailbox[0];
    if (envelope === undefined) throw new Error('nothing queued');
    const last = envelope.body.length - 1;
    envelope.body[last] = (envelope.body[last] ?? 0) ^ 1;
    bob.setOnline(true);
    await settle();
    expect(await bob.engine.listMessages('alice')).toEqual([]);
    expect(bob.issues).toContainEqual(expect.objectContaining({ kind: 'undecryptable' }));
  });

  it('gives both people the same safety number', async () => {
    const relay = createFakeRelay();
    const alice = await person(relay, 'alice');
    const bob = await person(relay, 'bob');
    await alice.engine.startConversation('bob');
    await alice.engine.sendText('bob', 'hi');
    await settle();
    const atAlice = await alice.engine.safetyNumber('bob');
    const atBob = await bob.engine.safetyNumber('alice');
    expect(atAlice.digits).toMatch(/^\d{60}$/);
    expect(atBob.digits).toBe(atAlice.digits);
  });

  it('claims no more one-time prekeys when the safety number is opened again soon after', async () => {
    const relay = createFakeRelay();
    const alice = await person(relay, 'alice');
    await person(relay, 'bob');
    await alice.engine.startConversation('bob');
    const left = () =>
      [...relay.devices.values()]
        .filter((device) => device.account === 'bob')
        .reduce((sum, device) => sum + device.oneTime.length, 0);
    await alice.engine.safetyNumber('bob');
    const before = left();
    for (let i = 0; i < 5; i++) await alice.engine.safetyNumber('bob');
    expect(left()).toBe(before);
    clock.offset += 6 * 60 * 1000;
    try {
      await alice.engine.safetyNumber('bob');
    } finally {
      clock.offset -= 6 * 60 * 1000;
    }
    expect(left()).toBe(before - 1);
  });

  it('stops sending to a verified contact whose keys changed until it is confirmed', async () => {
    const relay = createFakeRelay();
    const alice = await person(relay, 'alice');
    const bob = await person(relay, 'bob');
    await alice.engine.startConversation('bob');
    await alice.engine.sendText('bob', 'before');
    await settle();
    await alice.engine.setVerified('bob', true);

    // Bob reinstalls with a recovered passkey that has no sealed account key, and starts his
    // account over under a new account key: a new device with new keys writes to Alice.
    const newBob = await person(relay, 'bob', createMemorySealedStore(), {
      passkey: 'bob-recovered',
    });
    expect(newBob.engine.trustState()).toBe('waiting-for-approval');
    await newBob.engine.replaceAccountKey();
    await newBob.engine.startConversation('alice');
    await newBob.engine.sendText('alice', 'new phone');
    await settle();

    const contact = await alice.engine.loadContact('bob');
    expect(contact?.keyChangedAt).not.toBeNull();
    const shown = async () => (await alice.engine.listMessages('bob')).map((m) => m.text);
    // Sent under the key Alice has not accepted: kept, not shown yet.
    expect(await shown()).not.toContain('new phone');
    await expect(alice.engine.sendText('bob', 'blocked')).rejects.toMatchObject({
      code: 'KEYS_CHANGED',
    });
    await alice.engine.acknowledgeKeyChange('bob');
    const after = await alice.engine.loadContact('bob');
    expect(after).toMatchObject({ keyChangedAt: null, verifiedKeys: null });
    expect(await shown()).toContain('new phone');
    // His first device sees its account key replaced, and the new one approves it.
    expect(bob.engine.trustState()).toBe('key-changed');
    const code = await bob.engine.linkCode();
    await newBob.engine.approveDevice(bob.device(), code ?? '');
    await settle();
    expect(bob.engine.trustState()).toBe('certified');
    await alice.engine.sendText('bob', 'confirmed');
    await settle();
    expect((await newBob.engine.listMessages('alice')).map((m) => m.text)).toContain('confirmed');
    // Bob's first device is still his: it gets the message too.
    expect((await bob.engine.listMessages('alice')).map((m) => m.text)).toContain('confirmed');
  });

  it('finishes enrolling before a lookup when enrolling on connect failed', async () => {
    const relay = createFakeRelay();
    await person(relay, 'bob');
    relay.faults.registrations = 1;
    const alice = await person(relay, 'alice');
    expect(alice.issues.map((issue) => issue.kind)).toEqual(['task-failed']);
    const conversation = await alice.engine.startConversation('bob');
    expect(conversation.id).toBe('bob');
    expect(alice.engine.trustState()).toBe('certified');
  });

  it('refuses unknown people and oneself with coded errors', async () => {
    const relay = createFakeRelay();
    const alice = await person(relay, 'alice');
    await expect(alice.engine.startConversation('nobody')).rejects.toMatchObject({
      code: 'UNKNOWN_ACCOUNT',
    });
    await expect(alice.engine.startConversation('ALICE')).rejects.toBeInstanceOf(ChatError);
    alice.setOnline(false);
    await expect(alice.engine.startConversation('bob')).rejects.toMatchObject({ code: 'OFFLINE' });
  });

  it('keeps conversations, messages and drafts across a restart on the same store', async () => {
    const relay = createFakeRelay();
    const alice = await person(relay, 'alice');
    await person(relay, 'bob');
    await alice.engine.startConversation('bob');
    await alice.engine.sendText('bob', 'kept');
    await alice.engine.saveDraft('bob', 'half a thought');
    await settle();
    alice.engine.stop();

    const again = await person(relay, 'alice', alice.store);
    const [conversation] = await again.engine.listConversations();
    expect(conversation).toMatchObject({ id: 'bob', draft: 'half a thought', lastText: 'kept' });
    expect((await again.engine.listMessages('bob')).map((m) => m.text)).toEqual(['kept']);
  });

  it('sets disappearing messages on both sides and deletes messages when their time is up', async () => {
    const relay = createFakeRelay();
    const alice = await person(relay, 'alice');
    const bob = await person(relay, 'bob');
    await alice.engine.startConversation('bob');
    await alice.engine.sendText('bob', 'before the timer');
    await alice.engine.setTimer('bob', 60);
    await alice.engine.sendText('bob', 'gone in a minute');
    await settle();

    const [atBob] = await bob.engine.listConversations();
    expect(atBob?.timerSeconds).toBe(60);
    const bobMessages = await bob.engine.listMessages('alice');
    expect(
      bobMessages.map((m) => (m.notice?.kind === 'timer' ? m.notice.seconds : m.text)),
    ).toEqual(['before the timer', 60, 'gone in a minute']);
    const sent = (await alice.engine.listMessages('bob')).find(
      (m) => m.text === 'gone in a minute',
    );
    expect(sent?.expiresAt).toBeGreaterThan(Date.now());
    await bob.engine.markRead('alice');

    clock.offset = 61_000;
    try {
      await alice.engine.sweepExpired();
      await bob.engine.sweepExpired();
    } finally {
      clock.offset = 0;
    }
    expect((await alice.engine.listMessages('bob')).map((m) => m.text)).not.toContain(
      'gone in a minute',
    );
    expect((await bob.engine.listMessages('alice')).map((m) => m.text)).not.toContain(
      'gone in a minute',
    );
    // Written before the timer: kept.
    expect((await bob.engine.listMessages('alice')).map((m) => m.text)).toContain(
      'before the timer',
    );
  });

  it('shows reactions on both sides, one per person, and removes them', async () => {
    const relay = createFakeRelay();
    const alice = await person(relay, 'alice');
    const bob = await person(relay, 'bob');
    await alice.engine.startConversation('bob');
    const message = await alice.engine.sendText('bob', 'react to me');
    await settle();
    await bob.engine.react(message.id, '👍');
    await bob.engine.react(message.id, '❤️');
    await settle();
    expect((await lastMessage(alice, 'bob')).reactions).toEqual({ bob: '❤️' });
    await bob.engine.react(message.id, '');
    await settle();
    expect((await lastMessage(alice, 'bob')).reactions).toEqual({});
    expect((await lastMessage(bob, 'alice')).reactions).toEqual({});
  });

  it('carries a reply with the id of the message it answers', async () => {
    const relay = createFakeRelay();
    const alice = await person(relay, 'alice');
    const bob = await person(relay, 'bob');
    await alice.engine.startConversation('bob');
    const question = await alice.engine.sendText('bob', 'Lunch at noon?');
    await settle();
    await bob.engine.sendText('alice', 'Yes!', question.id);
    await settle();
    expect(await lastMessage(alice, 'bob')).toMatchObject({ text: 'Yes!', replyTo: question.id });
  });
});
