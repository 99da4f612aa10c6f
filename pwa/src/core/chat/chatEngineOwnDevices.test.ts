import { decodeHex } from '@vaultroom/shared';
import { encodeContent, sendMessage } from '@vaultroom/shared/crypto';
import sodium from 'libsodium-wrappers';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  createFakeRelay,
  lastMessage,
  person,
  settle,
  type Person,
} from './chatEngineTestRelay.js';
import { createChatRepository } from './createChatRepository.js';

describe('the chat engine on two devices of one account', () => {
  beforeAll(async () => {
    await sodium.ready;
  });

  it('shows what one device sends on the other, in the same conversation', async () => {
    const relay = createFakeRelay();
    const laptop = await person(relay, 'alice');
    const phone = await person(relay, 'alice');
    const bob = await person(relay, 'bob');
    await laptop.engine.startConversation('bob');
    const sent = await laptop.engine.sendText('bob', 'Sent from the laptop');
    await settle();

    expect((await phone.engine.listConversations()).map((c) => c.id)).toEqual(['bob']);
    expect(await lastMessage(phone, 'bob')).toMatchObject({
      id: sent.id,
      outgoing: true,
      author: 'alice',
      text: 'Sent from the laptop',
      state: 'sent',
    });
    // Bob got it once, and both of Alice's devices get his answer.
    expect((await bob.engine.listMessages('alice')).map((m) => m.text)).toEqual([
      'Sent from the laptop',
    ]);
    await bob.engine.sendText('alice', 'Got it', sent.id);
    await settle();
    for (const device of [laptop, phone]) {
      expect((await device.engine.listMessages('bob')).map((m) => m.text)).toEqual([
        'Sent from the laptop',
        'Got it',
      ]);
    }
    // And the phone's answer shows on the laptop.
    await phone.engine.sendText('bob', 'From the phone');
    await settle();
    expect((await laptop.engine.listMessages('bob')).map((m) => m.text)).toEqual([
      'Sent from the laptop',
      'Got it',
      'From the phone',
    ]);
    expect(laptop.issues).toEqual([]);
    expect(phone.issues).toEqual([]);
  });

  it('follows a group created on another device, with its messages', async () => {
    const relay = createFakeRelay();
    const laptop = await person(relay, 'alice');
    const phone = await person(relay, 'alice');
    await person(relay, 'bob');
    const group = await laptop.engine.createGroup('Family', ['bob']);
    await settle();
    await laptop.engine.sendText(group.id, 'Dinner at 7');
    await settle();
    const [atPhone] = await phone.engine.listConversations();
    expect(atPhone).toMatchObject({ id: group.id, group: { members: ['alice', 'bob'] } });
    expect(
      (await phone.engine.listMessages(group.id)).map((m) =>
        m.notice?.kind === 'group'
          ? `${m.notice.change} by ${m.outgoing ? 'me' : m.author}`
          : m.text,
      ),
    ).toEqual(['created by me', 'Dinner at 7']);
  });

  it('advances the copy on the other device with receipts, and carries reading across', async () => {
    const relay = createFakeRelay();
    const laptop = await person(relay, 'alice');
    const phone = await person(relay, 'alice');
    const bobLaptop = await person(relay, 'bob');
    const bobPhone = await person(relay, 'bob');
    await laptop.engine.startConversation('bob');
    await laptop.engine.sendText('bob', 'hi');
    await settle();
    // Bob answers from his laptop: from then on both of his devices share sessions with Alice's.
    await bobLaptop.engine.sendText('alice', 'hey');
    await settle();
    const sent = await laptop.engine.sendText('bob', 'lunch?');
    await settle();
    for (const device of [laptop, phone]) {
      expect(await lastMessage(device, 'bob')).toMatchObject({ id: sent.id, state: 'delivered' });
    }
    expect((await bobPhone.engine.listConversations())[0]?.unread).toBe(2);

    await bobLaptop.engine.markRead('alice');
    await settle();
    for (const device of [laptop, phone]) {
      expect((await lastMessage(device, 'bob')).state).toBe('read');
    }
    // Read on his laptop, so read on his phone: no unread count left there.
    expect((await bobPhone.engine.listConversations())[0]?.unread).toBe(0);
    const atPhone = await bobPhone.engine.listMessages('alice');
    expect(atPhone.filter((m) => !m.outgoing).map((m) => `${m.text}: ${m.state}`)).toEqual([
      'hi: read',
      'lunch?: read',
    ]);
    for (const device of [laptop, phone, bobLaptop, bobPhone]) expect(device.issues).toEqual([]);
  });

  it('starts a disappearing message’s timer on the other device when it is read on one', async () => {
    const relay = createFakeRelay();
    const alice = await person(relay, 'alice');
    const bobLaptop = await person(relay, 'bob');
    const bobPhone = await person(relay, 'bob');
    await alice.engine.startConversation('bob');
    await alice.engine.setTimer('bob', 60);
    await alice.engine.sendText('bob', 'gone in a minute, once read');
    await settle();
    await bobLaptop.engine.sendText('alice', 'ok');
    await settle();
    expect((await lastMessage(bobPhone, 'alice')).expiresAt).not.toBeNull(); // his own 'ok'
    const [received] = (await bobPhone.engine.listMessages('alice')).filter(
      (m) => !m.outgoing && m.notice === null,
    );
    expect(received).toMatchObject({ state: 'delivered', expiresAt: null });
    await bobLaptop.engine.markRead('alice');
    await settle();
    const after = await bobPhone.engine.listMessages('alice');
    expect(after.find((m) => m.id === received?.id)).toMatchObject({
      state: 'read',
      expiresAt: expect.any(Number) as number,
    });
  });

  it('shows a timer or a reaction set on one device on the other', async () => {
    const relay = createFakeRelay();
    const laptop = await person(relay, 'alice');
    const phone = await person(relay, 'alice');
    const bob = await person(relay, 'bob');
    await laptop.engine.startConversation('bob');
    await laptop.engine.sendText('bob', 'hi');
    await settle();
    const answer = await bob.engine.sendText('alice', 'hello!');
    await settle();

    await laptop.engine.setTimer('bob', 3_600);
    await laptop.engine.react(answer.id, '🎉');
    await settle();
    expect((await phone.engine.listConversations())[0]?.timerSeconds).toBe(3_600);
    const atPhone = await phone.engine.listMessages('bob');
    expect(atPhone.find((m) => m.notice?.kind === 'timer')).toMatchObject({
      outgoing: true,
      author: 'alice',
      notice: { kind: 'timer', seconds: 3_600 },
    });
    expect(atPhone.find((m) => m.id === answer.id)?.reactions).toEqual({ alice: '🎉' });
    const reactionsOf = async (device: Person, conversation: string) =>
      (await device.engine.listMessages(conversation)).find((m) => m.id === answer.id)?.reactions;
    // Bob sees them as before.
    expect(await reactionsOf(bob, 'alice')).toEqual({ alice: '🎉' });
    expect((await bob.engine.listConversations())[0]?.timerSeconds).toBe(3_600);

    await phone.engine.react(answer.id, '');
    await settle();
    expect(await reactionsOf(laptop, 'bob')).toEqual({});
    expect(await reactionsOf(bob, 'alice')).toEqual({});
    for (const device of [laptop, phone, bob]) expect(device.issues).toEqual([]);
  });

  it('takes read marks only from its own account', async () => {
    const relay = createFakeRelay();
    const alice = await person(relay, 'alice');
    const mallory = await person(relay, 'mallory');
    await mallory.engine.startConversation('alice');
    const hello = await mallory.engine.sendText('alice', 'hello');
    await settle();
    // Mallory's app, changed, says "read" about her own message to Alice, hoping Alice's device
    // takes it as read on one of Alice's devices and never shows it as new.
    const aliceDevice = [...relay.devices.values()].find((d) => d.account === 'alice')?.id ?? '';
    const receipt = encodeContent({
      type: 'receipt',
      kind: 'read',
      messageIds: [decodeHex(hello.id)],
    });
    const sessions = createChatRepository(mallory.store).sessions;
    const body = await sendMessage(sodium, sessions, aliceDevice, receipt);
    await mallory.transport.send([{ device: aliceDevice, body }], sodium.randombytes_buf(16));
    await settle();
    expect((await alice.engine.listConversations())[0]?.unread).toBe(1);
    expect((await lastMessage(alice, 'mallory')).state).toBe('delivered');
  });

  it('takes transcripts only from its own account', async () => {
    const relay = createFakeRelay();
    const alice = await person(relay, 'alice');
    const mallory = await person(relay, 'mallory');
    await person(relay, 'bob');
    await mallory.engine.startConversation('alice');
    await mallory.engine.sendText('alice', 'hello');
    await settle();
    // Mallory's app, changed, sends Alice a transcript claiming Alice wrote to Bob.
    const aliceDevice = [...relay.devices.values()].find((d) => d.account === 'alice')?.id ?? '';
    const transcript = encodeContent({
      type: 'transcript',
      destination: { kind: 'person', handle: 'bob' },
      message: {
        type: 'text',
        messageId: sodium.randombytes_buf(16),
        sentAt: Date.now(),
        groupId: null,
        text: 'I owe Mallory 100 €',
      },
    });
    const sessions = createChatRepository(mallory.store).sessions;
    const body = await sendMessage(sodium, sessions, aliceDevice, transcript);
    await mallory.transport.send([{ device: aliceDevice, body }], sodium.randombytes_buf(16));
    await settle();
    expect((await alice.engine.listConversations()).map((c) => c.id)).toEqual(['mallory']);
    expect((await alice.engine.listMessages('mallory')).map((m) => m.text)).toEqual(['hello']);
  });
});
