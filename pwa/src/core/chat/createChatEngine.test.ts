import type {
  ConnectionState,
  DeliveryErrorCode,
  Envelope,
  SendUpdate,
} from '@vaultroom/shared/client';
import { DeliveryError } from '@vaultroom/shared/client';
import {
  encodeContent,
  encodePrekeyBundle,
  sendMessage,
  type PrekeyBundle,
} from '@vaultroom/shared/crypto';
import sodium from 'libsodium-wrappers';
import { beforeAll, describe, expect, it } from 'vitest';
import { ChatError } from './ChatError.js';
import { fromHex } from './chatRecords.js';
import {
  createChatEngine,
  type ChatEngine,
  type ChatIssue,
  type ChatTransport,
  type ChatTransportHandlers,
} from './createChatEngine.js';
import { createMemorySealedStore } from './createMemorySealedStore.js';
import { createChatRepository } from './createChatRepository.js';
import type { SealedStore } from './SealedStore.js';

type Upload = Parameters<ChatTransport['uploadPrekeys']>[0];

interface FakeDevice {
  readonly id: string;
  readonly account: string;
  readonly identity: PrekeyBundle['identity'];
  signedPrekey: Upload['signedPrekey'];
  pqPrekey: Upload['pqPrekey'];
  oneTime: Upload['oneTimePrekeys'][number][];
  link: FakeLink | null;
  mailbox: Envelope[];
}

interface FakeLink {
  handlers: ChatTransportHandlers;
  online: boolean;
  deliver(envelope: Envelope): void;
}

/**
 * A relay in memory with the delivery client's contract: bundles hand out each one-time prekey
 * once, a send is `sent` once every envelope is held, mailboxes drain on reconnect.
 */
function createFakeRelay() {
  const devices = new Map<string, FakeDevice>();
  /**
   * Registrations to refuse before accepting again (a relay hiccup during enrolment), and codes
   * to refuse the next sends with, one each, before storing them (a full mailbox, a slow reader).
   */
  const faults = { registrations: 0, sends: [] as DeliveryErrorCode[] };
  let nextId = 1;
  let envelopeId = 1;

  function transportFor(account: string) {
    return (handlers: ChatTransportHandlers): ChatTransport & { setOnline(on: boolean): void } => {
      let state: ConnectionState = 'connecting';
      let own: FakeDevice | null =
        handlers.device === null ? null : (devices.get(handlers.device) ?? null);
      const stateListeners = new Set<(state: ConnectionState) => void>();
      const sendListeners = new Set<(update: SendUpdate) => void>();
      const pending: { to: { device: string; body: Uint8Array }[]; msg: Uint8Array }[] = [];
      const link: FakeLink = {
        handlers,
        online: false,
        deliver(envelope) {
          void handlers.onEnvelope(envelope).then(() => {
            if (own !== null) own.mailbox = own.mailbox.filter((e) => e.id !== envelope.id);
          });
        },
      };
      const setState = (next: ConnectionState) => {
        state = next;
        for (const listener of stateListeners) listener(next);
      };
      const requireOwn = (): FakeDevice => {
        if (own === null) throw new DeliveryError('DEVICE_REQUIRED');
        return own;
      };
      const flush = () => {
        const refused: typeof pending = [];
        for (const send of pending.splice(0)) {
          for (const listener of sendListeners) listener({ msg: send.msg, state: 'sending' });
          // Like the outbox: a transient refusal goes back to `queued` with its code, for a retry.
          const code = faults.sends.shift();
          if (code !== undefined) {
            refused.push(send);
            for (const listener of sendListeners)
              listener({ msg: send.msg, state: 'queued', code });
            continue;
          }
          const from = requireOwn();
          for (const { device, body } of send.to) {
            const target = devices.get(device);
            if (target === undefined) throw new Error('unknown device');
            const envelope: Envelope = {
              id: `e${String(envelopeId++)}`,
              from: from.id,
              msg: Uint8Array.from(send.msg),
              body: Uint8Array.from(body),
              at: Date.now(),
            };
            target.mailbox.push(envelope);
            if (target.link?.online === true) target.link.deliver(envelope);
          }
          for (const listener of sendListeners) listener({ msg: send.msg, state: 'sent' });
        }
        pending.push(...refused);
      };
      const transport = {
        get state() {
          return state;
        },
        subscribe(listener: (state: ConnectionState) => void) {
          stateListeners.add(listener);
          listener(state);
          return () => stateListeners.delete(listener);
        },
        registerDevice(_name: string, identity: PrekeyBundle['identity']) {
          if (faults.registrations > 0) {
            faults.registrations -= 1;
            return Promise.reject(new DeliveryError('DISCONNECTED'));
          }
          const id = `${account}-dev${String(nextId++)}`;
          own = {
            id,
            account,
            identity,
            signedPrekey: null,
            pqPrekey: null,
            oneTime: [],
            link,
            mailbox: [],
          };
          devices.set(id, own);
          return Promise.resolve({ device: id });
        },
        uploadPrekeys(upload: Upload) {
          const device = requireOwn();
          device.signedPrekey = upload.signedPrekey ?? device.signedPrekey;
          device.pqPrekey = upload.pqPrekey ?? device.pqPrekey;
          device.oneTime.push(...upload.oneTimePrekeys);
          return Promise.resolve({ oneTimePrekeys: device.oneTime.length });
        },
        fetchBundles(handle: string) {
          requireOwn();
          const of = [...devices.values()].filter((d) => d.account === handle.toLowerCase());
          if (of.length === 0) return Promise.reject(new DeliveryError('UNKNOWN_ACCOUNT'));
          const bundles = of.flatMap((d) => {
            if (d.signedPrekey === null || d.pqPrekey === null) return [];
            const oneTime = d.oneTime.shift();
            const bundle: PrekeyBundle = {
              identity: d.identity,
              signedPrekey: d.signedPrekey,
              pqPrekey: d.pqPrekey,
              ...(oneTime === undefined ? {} : { oneTimePrekey: oneTime }),
            };
            return [{ device: d.id, bundle: Uint8Array.from(encodePrekeyBundle(bundle)) }];
          });
          return Promise.resolve({ bundles });
        },
        lookupDevices(ids: readonly string[]) {
          return Promise.resolve({
            devices: ids.flatMap((id) => {
              const d = devices.get(id);
              return d === undefined ? [] : [{ device: id, account: d.account, revoked: false }];
            }),
          });
        },
        async send(to: readonly { device: string; body: Uint8Array }[], msg?: Uint8Array) {
          const id = msg ?? sodium.randombytes_buf(16);
          const record = { to: [...to], msg: id, seq: 0, createdAt: 0 };
          await handlers.outbox.save({
            msg: Uint8Array.from(id),
            to: record.to.map((r) => ({ device: r.device, body: Uint8Array.from(r.body) })),
            seq: Date.now(),
            createdAt: 0,
          });
          pending.push({ to: record.to, msg: id });
          if (link.online) flush();
          return id;
        },
        subscribeSends(listener: (update: SendUpdate) => void) {
          sendListeners.add(listener);
          return () => sendListeners.delete(listener);
        },
        close() {
          link.online = false;
        },
        setOnline(on: boolean) {
          link.online = on;
          if (own !== null) own.link = link;
          setState(on ? 'connected' : 'reconnecting');
          if (on) {
            flush();
            for (const envelope of own?.mailbox ?? []) link.deliver(envelope);
          }
        },
      };
      return transport;
    };
  }

  return { devices, faults, transportFor };
}

type FakeRelay = ReturnType<typeof createFakeRelay>;

interface Person {
  readonly engine: ChatEngine;
  readonly store: SealedStore;
  readonly issues: ChatIssue[];
  /** The device's link to the relay, for tests that send what the app never would. */
  readonly transport: ChatTransport;
  setOnline(on: boolean): void;
}

/** Moved forward by tests that need time to pass (disappearing messages). */
let clockOffset = 0;

async function person(relay: FakeRelay, handle: string, store = createMemorySealedStore()) {
  const issues: ChatIssue[] = [];
  let link: (ChatTransport & { setOnline(on: boolean): void }) | null = null;
  const engine = createChatEngine({
    sodium,
    store,
    handle,
    deviceName: `${handle}'s browser`,
    now: () => Date.now() + clockOffset,
    connect: (handlers) => {
      const made = relay.transportFor(handle)(handlers);
      link = made;
      return made;
    },
    onIssue: (issue) => issues.push(issue),
  });
  await engine.start();
  const started = (): ChatTransport & { setOnline(on: boolean): void } => {
    if (link === null) throw new Error('not started');
    return link;
  };
  const setOnline = (on: boolean) => {
    started().setOnline(on);
  };
  setOnline(true);
  await settle();
  return { engine, store, issues, setOnline, transport: started() } satisfies Person;
}

/** Lets the engines' background tasks (encryption, delivery, receipts) run to the end. */
async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setTimeout(resolve, 5));
}

async function lastMessage(p: Person, conversation: string) {
  const messages = await p.engine.listMessages(conversation);
  const last = messages.at(-1);
  if (last === undefined) throw new Error('no messages');
  return last;
}

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
    clockOffset += 6 * 60 * 1000;
    try {
      await alice.engine.safetyNumber('bob');
    } finally {
      clockOffset -= 6 * 60 * 1000;
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

    // Bob reinstalls: a new device with new keys writes to Alice.
    const newBob = await person(relay, 'bob');
    await newBob.engine.startConversation('alice');
    await newBob.engine.sendText('alice', 'new phone');
    await settle();

    const contact = await alice.engine.loadContact('bob');
    expect(contact?.keyChangedAt).not.toBeNull();
    await expect(alice.engine.sendText('bob', 'blocked')).rejects.toMatchObject({
      code: 'KEYS_CHANGED',
    });
    await alice.engine.acknowledgeKeyChange('bob');
    const after = await alice.engine.loadContact('bob');
    expect(after).toMatchObject({ keyChangedAt: null, verifiedKeys: null });
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

    clockOffset = 61_000;
    try {
      await alice.engine.sweepExpired();
      await bob.engine.sweepExpired();
    } finally {
      clockOffset = 0;
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

describe('the chat engine in a group', () => {
  beforeAll(async () => {
    await sodium.ready;
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
});

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
      messageIds: [fromHex(hello.id)],
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
