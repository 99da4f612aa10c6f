import sodium from 'libsodium-wrappers';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  createFakeRelay,
  lastMessage,
  person,
  settle,
  type Person,
} from './chatEngineTestRelay.js';
import { createChatRepository } from './createChatRepository.js';
import type * as GroupRevision from './groupRevision.js';

/** A member's modified app, which sends group states the real app would refuse to make. */
const modifiedApp = vi.hoisted(() => ({ on: false }));
vi.mock('./groupRevision.js', async (importOriginal) => {
  const real = await importOriginal<typeof GroupRevision>();
  return {
    ...real,
    decodesAtOthers: (state: Parameters<typeof real.decodesAtOthers>[0]) =>
      modifiedApp.on || real.decodesAtOthers(state),
  };
});

describe('the chat engine in a group', () => {
  beforeAll(async () => {
    await sodium.ready;
  });
  afterEach(() => {
    modifiedApp.on = false;
  });

  const texts = async (p: Person, conversation: string) =>
    (await p.engine.listMessages(conversation))
      .filter((m) => m.notice === null)
      .map((m) => `${m.author}: ${m.text}`);
  const notices = async (p: Person, conversation: string) =>
    (await p.engine.listMessages(conversation)).flatMap((m) =>
      m.notice?.kind === 'group'
        ? [`${m.author} ${m.notice.change} ${m.notice.subjects.join(',')}`]
        : [],
    );

  async function threePeople() {
    const relay = createFakeRelay();
    const alice = await person(relay, 'alice');
    const bob = await person(relay, 'bob');
    const carol = await person(relay, 'carol');
    const group = await alice.engine.createGroup(' Chess club ', ['@bob', 'Carol', 'bob']);
    await settle();
    return { relay, alice, bob, carol, id: group.id };
  }

  it('creates a group that every member sees, with its name and members', async () => {
    const { alice, bob, carol, id } = await threePeople();
    expect(id).toMatch(/^_[0-9a-f]{32}$/);
    for (const member of [alice, bob, carol]) {
      const [conversation] = await member.engine.listConversations();
      expect(conversation).toMatchObject({
        id,
        peer: 'Chess club',
        group: { name: 'Chess club', members: ['alice', 'bob', 'carol'], left: false },
      });
    }
    expect(await notices(bob, id)).toEqual(['alice added bob']);
    expect(await notices(alice, id)).toEqual(['alice created bob,carol']);
  });

  it('carries messages to every member, names the author, and counts receipts from all', async () => {
    const { alice, bob, carol, id } = await threePeople();
    const sent = await alice.engine.sendText(id, 'first move: e4');
    await settle();
    expect(await texts(bob, id)).toEqual(['alice: first move: e4']);
    expect(await texts(carol, id)).toEqual(['alice: first move: e4']);
    expect((await lastMessage(alice, id)).state).toBe('delivered');

    await bob.engine.markRead(id);
    await settle();
    const afterBob = (await alice.engine.listMessages(id)).find((m) => m.id === sent.id);
    expect(afterBob).toMatchObject({
      state: 'delivered',
      receipts: { bob: 'read', carol: 'delivered' },
    });
    await carol.engine.markRead(id);
    await settle();
    expect((await alice.engine.listMessages(id)).find((m) => m.id === sent.id)?.state).toBe('read');

    await carol.engine.sendText(id, 'e5', sent.id);
    await settle();
    expect(await texts(bob, id)).toEqual(['alice: first move: e4', 'carol: e5']);
    expect((await lastMessage(alice, id)).replyTo).toBe(sent.id);
  });

  it('adds a member who sees only what is sent after, and removes one who stops receiving', async () => {
    const { relay, alice, bob, carol, id } = await threePeople();
    const dave = await person(relay, 'dave');
    await alice.engine.sendText(id, 'before dave');
    await settle();
    await bob.engine.addMembers(id, ['dave']);
    await settle();
    expect((await dave.engine.listConversations())[0]?.group?.members).toEqual([
      'alice',
      'bob',
      'carol',
      'dave',
    ]);
    expect(await notices(carol, id)).toEqual(['alice added carol', 'bob added dave']);

    await alice.engine.removeMember(id, 'carol');
    await settle();
    const atCarol = (await carol.engine.listConversations())[0];
    expect(atCarol?.group).toMatchObject({ left: true, members: ['alice', 'bob', 'dave'] });
    expect(await notices(carol, id)).toContain('alice removed carol');
    await expect(carol.engine.sendText(id, 'still here?')).rejects.toMatchObject({
      code: 'NOT_A_MEMBER',
    });

    await dave.engine.sendText(id, 'hello all');
    await settle();
    expect(await texts(alice, id)).toEqual(['alice: before dave', 'dave: hello all']);
    expect(await texts(dave, id)).toEqual(['dave: hello all']);
    expect(await texts(carol, id)).toEqual(['alice: before dave']);
  });

  it('renames, and a member who leaves is shown as gone and no longer written to', async () => {
    const { alice, bob, carol, id } = await threePeople();
    await carol.engine.renameGroup(id, 'Chess & tea');
    await settle();
    expect((await alice.engine.listConversations())[0]?.peer).toBe('Chess & tea');
    await bob.engine.leaveGroup(id);
    await settle();
    expect((await alice.engine.listConversations())[0]?.group?.members).toEqual(['alice', 'carol']);
    expect(await notices(alice, id)).toEqual([
      'alice created bob,carol',
      'carol renamed ',
      'bob left bob',
    ]);
    expect((await bob.engine.listConversations())[0]?.group?.left).toBe(true);
    await alice.engine.sendText(id, 'just us');
    await settle();
    expect(await texts(carol, id)).toEqual(['alice: just us']);
    expect(await texts(bob, id)).toEqual([]);
  });

  it('ignores group messages and changes from people who are not members', async () => {
    const { relay, alice, bob, id } = await threePeople();
    const mallory = await person(relay, 'mallory');
    await mallory.engine.startConversation('alice');
    // Mallory learns the group id (say, from a member's screen) and writes herself a copy of
    // the group that lists her: her app now sends to it like any member's would.
    const known = (await alice.engine.listConversations())[0];
    if (known?.group === undefined || known.group === null) throw new Error('no group');
    await createChatRepository(mallory.store).saveConversation({
      ...known,
      unread: 0,
      group: { ...known.group, members: [...known.group.members, 'mallory'] },
    });
    await mallory.engine.sendText(id, 'send me your passwords');
    await mallory.engine.renameGroup(id, 'Hijacked');
    await mallory.engine.addMembers(id, ['bob']);
    await settle();
    for (const member of [alice, bob]) {
      const conversation = (await member.engine.listConversations()).find((c) => c.id === id);
      expect(conversation?.group).toMatchObject({
        name: 'Chess club',
        members: ['alice', 'bob', 'carol'],
      });
      expect(await texts(member, id)).toEqual([]);
    }
  });

  it('keeps the newest group state when two changes cross', async () => {
    const { alice, bob, carol, id } = await threePeople();
    bob.setOnline(false);
    carol.setOnline(false);
    await alice.engine.renameGroup(id, 'From alice');
    await settle();
    // Carol renames later, while both changes are still in flight.
    carol.setOnline(true);
    await settle();
    await carol.engine.renameGroup(id, 'From carol');
    await settle();
    bob.setOnline(true);
    await settle();
    for (const member of [alice, bob, carol]) {
      expect((await member.engine.listConversations())[0]?.group?.name).toBe('From carol');
    }
  });

  it('refuses a bad name, too many members and unknown people before anything is sent', async () => {
    const relay = createFakeRelay();
    const alice = await person(relay, 'alice');
    await person(relay, 'bob');
    await expect(alice.engine.createGroup('   ', ['bob'])).rejects.toMatchObject({
      code: 'GROUP_NAME_INVALID',
    });
    await expect(alice.engine.createGroup('x'.repeat(65), ['bob'])).rejects.toMatchObject({
      code: 'GROUP_NAME_INVALID',
    });
    await expect(alice.engine.createGroup('Club', ['bob', 'nobody'])).rejects.toMatchObject({
      code: 'UNKNOWN_ACCOUNT',
    });
    expect(await alice.engine.listConversations()).toEqual([]);
  });

  it('cannot be frozen by a member: a state pushed to the end of the range is refused, and removing her works', async () => {
    const { relay, alice, bob, id } = await threePeople();
    const mallory = await person(relay, 'mallory');
    await alice.engine.addMembers(id, ['mallory']);
    await settle();
    // Mallory's app sets the group's revision one below 2^53: any later change by the others
    // would then overflow the wire's integers and fail to decode, so removing her would not
    // reach anyone and she would keep receiving.
    const atMallory = (await mallory.engine.listConversations()).find((c) => c.id === id);
    if (atMallory?.group === undefined || atMallory.group === null) throw new Error('no group');
    await createChatRepository(mallory.store).saveConversation({
      ...atMallory,
      group: { ...atMallory.group, revision: Number.MAX_SAFE_INTEGER - 1 },
    });
    modifiedApp.on = true;
    await mallory.engine.renameGroup(id, 'Frozen');
    modifiedApp.on = false;
    await settle();
    for (const member of [alice, bob]) {
      const group = (await member.engine.listConversations()).find((c) => c.id === id)?.group;
      expect(group?.name).toBe('Chess club');
      expect(group?.revision).toBeLessThan(100);
    }

    await alice.engine.removeMember(id, 'mallory');
    await settle();
    const atBob = (await bob.engine.listConversations()).find((c) => c.id === id);
    expect(atBob?.group?.members).toEqual(['alice', 'bob', 'carol']);
    await bob.engine.sendText(id, 'now that she is gone');
    await settle();
    expect(await texts(alice, id)).toEqual(['bob: now that she is gone']);
    expect(await texts(mallory, id)).toEqual([]);
  });

  it('makes no state the others could not read', async () => {
    const { alice, bob, id } = await threePeople();
    const atAlice = (await alice.engine.listConversations()).find((c) => c.id === id);
    if (atAlice?.group === undefined || atAlice.group === null) throw new Error('no group');
    // A group frozen before this check existed: no change can follow it.
    await createChatRepository(alice.store).saveConversation({
      ...atAlice,
      group: { ...atAlice.group, revision: Number.MAX_SAFE_INTEGER },
    });
    await expect(alice.engine.renameGroup(id, 'Renamed')).rejects.toMatchObject({
      code: 'GROUP_STATE_INVALID',
    });
    await settle();
    for (const member of [alice, bob]) {
      expect((await member.engine.listConversations()).find((c) => c.id === id)?.peer).toBe(
        'Chess club',
      );
    }
  });

  it('drops members of a received state that are not handles', async () => {
    const { alice, bob, id } = await threePeople();
    const atBob = (await bob.engine.listConversations()).find((c) => c.id === id);
    if (atBob?.group === undefined || atBob.group === null) throw new Error('no group');
    // Bob's modified app lists two members that no account could have.
    await createChatRepository(bob.store).saveConversation({
      ...atBob,
      group: { ...atBob.group, members: [...atBob.group.members, '../../etc', 'x y'] },
    });
    await bob.engine.renameGroup(id, 'With junk');
    await settle();
    const group = (await alice.engine.listConversations()).find((c) => c.id === id)?.group;
    expect(group).toMatchObject({ name: 'With junk', members: ['alice', 'bob', 'carol'] });
  });

  it('leaves out a member no account has, says so, and sends that handle nothing once someone takes it', async () => {
    const { relay, alice, bob, carol, id } = await threePeople();
    const atBob = (await bob.engine.listConversations()).find((c) => c.id === id);
    if (atBob?.group === undefined || atBob.group === null) throw new Error('no group');
    // Bob's modified app adds a handle nobody has yet (the real app refuses an unknown person).
    await createChatRepository(bob.store).saveConversation({
      ...atBob,
      group: { ...atBob.group, members: [...atBob.group.members, 'ceo'] },
    });
    await bob.engine.renameGroup(id, 'Board');
    await settle();
    for (const member of [alice, carol]) {
      expect(await notices(member, id)).toContain('bob renamed ');
      expect(
        (await notices(member, id)).filter((line) => line.endsWith('no-account ceo')),
      ).toHaveLength(1);
    }

    // Someone signs up as "ceo" afterwards: what Alice and Carol send never reaches them.
    const ceo = await person(relay, 'ceo');
    const since = relay.log.length;
    await alice.engine.sendText(id, 'board only');
    await carol.engine.renameGroup(id, 'Board (private)');
    await settle();
    expect(await texts(carol, id)).toEqual(['alice: board only']);
    const toCeo = relay.log.slice(since).filter((entry) => entry.to === ceo.device());
    const fromHonest = new Set([alice.device(), carol.device()]);
    expect(toCeo.filter((entry) => fromHonest.has(entry.from))).toEqual([]);
    const atAlice = (await alice.engine.listConversations()).find((c) => c.id === id);
    expect(atAlice?.group?.members).toContain('ceo');

    // Removed and added again by a member, the handle is checked afresh: now it has an account.
    await alice.engine.removeMember(id, 'ceo');
    await alice.engine.addMembers(id, ['ceo']);
    await settle();
    const again = relay.log.length;
    await carol.engine.sendText(id, 'welcome');
    await settle();
    expect(relay.log.slice(again).some((entry) => entry.to === ceo.device())).toBe(true);
  });
});
