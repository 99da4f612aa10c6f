import { decodeHex } from '@vaultroom/shared';
import {
  certifyDevice,
  createMemoryStores,
  createPrekeyBundle,
  decodeIdentityKeyPair,
  decodePrekeyBundle,
  encodeContent,
  encodePrekeyBundle,
  generateAccountKey,
  generateDeviceKeys,
  initiateSession,
  sendMessage,
  signDeviceList,
  verifyDeviceCertificate,
  type Content,
} from '@vaultroom/shared/crypto';
import sodium from 'libsodium-wrappers';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  clock,
  createFakeRelay,
  person,
  settle,
  type FakeRelay,
  type Person,
} from './chatEngineTestRelay.js';
import { createChatRepository } from './createChatRepository.js';
import { createMemorySealedStore } from './createMemorySealedStore.js';

/**
 * PROTOCOL.md §1.15.8: what a relay that lies cannot do once the engine applies §1.15.6. Each
 * test has the relay (or its administrator, or a stolen session) try one attack, and checks what
 * the person sees and that nothing went to a device the account did not certify. Only the
 * relay's side is made up here; every device is a real engine.
 */

/** Past the hour after which device lists are fetched again when sending. */
const LATER = 2 * 60 * 60 * 1000;

const texts = async (p: Person, conversation: string) =>
  (await p.engine.listMessages(conversation)).filter((m) => m.notice === null).map((m) => m.text);

/** Envelopes stored since `since` for `device`: what a device the account never certified got. */
const envelopesTo = (relay: FakeRelay, device: string, since = 0) =>
  relay.log.slice(since).filter((entry) => entry.to === device);

/** A device registered on `handle`'s account without its passkey: the relay's or an admin's. */
const ghost = (relay: FakeRelay, handle: string) =>
  person(relay, handle, createMemorySealedStore(), { passkey: null });

/** Content from `from`'s device to `to`'s, over a session `from` starts itself (what the app never sends). */
async function sendAsDevice(
  from: Person,
  to: Person,
  handle: string,
  content: Content,
): Promise<void> {
  const repo = createChatRepository(from.store);
  const device = await repo.loadDevice();
  if (device === undefined) throw new Error('no device');
  const { bundles } = await from.transport.fetchBundles(handle);
  const target = bundles.find((b) => b.device === to.device());
  if (target === undefined) throw new Error('no bundle');
  const session = initiateSession(
    sodium,
    decodeIdentityKeyPair(device.identity),
    decodePrekeyBundle(target.bundle),
    Date.now(),
  );
  await repo.sessions.storeSession(to.device(), session);
  const body = await sendMessage(sodium, repo.sessions, to.device(), encodeContent(content));
  await from.transport.send([{ device: to.device(), body }], sodium.randombytes_buf(16));
}

/** Keys of the relay's own making: a device identity with prekeys, and a bundle of it. */
function relayDevice() {
  const keys = generateDeviceKeys(sodium, { now: Date.now(), oneTimePrekeys: 1 });
  const bundle = createPrekeyBundle(keys.identity, keys.signedPrekey, keys.pqPrekey);
  return { keys, bundle: Uint8Array.from(encodePrekeyBundle(bundle)) };
}

/** An account key of the relay's making that vouches for `devices` under `handle`. */
function relayTrust(
  handle: string,
  devices: readonly {
    device: string;
    identity: { signingPublicKey: Uint8Array; dhPublicKey: Uint8Array };
  }[],
) {
  const key = generateAccountKey(sodium);
  const certificates = devices.map(({ device, identity }) =>
    certifyDevice(sodium, key.secretKey, {
      deviceId: device,
      signingPublicKey: identity.signingPublicKey,
      dhPublicKey: identity.dhPublicKey,
      createdAt: Date.now(),
    }),
  );
  const list = signDeviceList(sodium, key.secretKey, {
    handle,
    version: 1,
    issuedAt: Date.now(),
    devices: certificates.map((c) => ({ deviceId: c.deviceId, certificateHash: c.hash })),
  });
  return {
    account: handle,
    accountKey: Uint8Array.from(key.publicKey),
    list: Uint8Array.from(list.bytes),
    certificates: certificates.map((c) => Uint8Array.from(c.bytes)),
  };
}

describe('the chat engine against a relay that lies', () => {
  beforeAll(async () => {
    await sodium.ready;
  });
  afterEach(() => {
    clock.offset = 0;
  });

  it('sends nothing to a device added to one’s own account without its account key, and lists it as waiting', async () => {
    const relay = createFakeRelay();
    const alice = await person(relay, 'alice');
    const bob = await person(relay, 'bob');
    await alice.engine.startConversation('bob');
    await alice.engine.sendText('bob', 'before');
    await settle();

    const intruder = await ghost(relay, 'alice');
    const waiting: string[][] = [];
    alice.engine.subscribe((event) => {
      if (event.kind === 'devices-waiting') waiting.push([...event.devices]);
    });
    const since = relay.log.length;
    clock.offset = LATER;
    await alice.engine.sendText('bob', 'a copy for my devices');
    await bob.engine.sendText('alice', 'a reply for all of hers');
    await settle();

    expect(envelopesTo(relay, intruder.device(), since)).toEqual([]);
    expect(await intruder.engine.listConversations()).toEqual([]);
    expect(await texts(alice, 'bob')).toEqual([
      'before',
      'a copy for my devices',
      'a reply for all of hers',
    ]);
    // What Alice sees: a device of her account waits for her approval (a notice on every screen
    // and a line in Settings); it is not one of hers.
    expect(waiting.at(-1)).toEqual([intruder.device()]);
    expect(await alice.engine.devicesWaiting()).toEqual([{ device: intruder.device() }]);
    expect(intruder.engine.trustState()).toBe('waiting-for-approval');
  });

  it('sends nothing to a device added to a group member’s account', async () => {
    const relay = createFakeRelay();
    const alice = await person(relay, 'alice');
    const bob = await person(relay, 'bob');
    const carol = await person(relay, 'carol');
    const group = await alice.engine.createGroup('Club', ['bob', 'carol']);
    await settle();

    const intruder = await ghost(relay, 'bob');
    const since = relay.log.length;
    clock.offset = LATER;
    await alice.engine.sendText(group.id, 'the plan');
    await carol.engine.sendText(group.id, 'agreed');
    await settle();

    expect(envelopesTo(relay, intruder.device(), since)).toEqual([]);
    expect(await intruder.engine.listConversations()).toEqual([]);
    expect(await texts(bob, group.id)).toEqual(['the plan', 'agreed']);
    expect(alice.issues).toContainEqual(
      expect.objectContaining({ kind: 'uncertified-devices', account: 'bob' }),
    );
  });

  it('refuses a transcript and a read mark from a device of one’s own account that the account key does not certify', async () => {
    const relay = createFakeRelay();
    const alice = await person(relay, 'alice');
    const bob = await person(relay, 'bob');
    await bob.engine.startConversation('alice');
    const hello = await bob.engine.sendText('alice', 'hello');
    await settle();

    const intruder = await ghost(relay, 'alice');
    await sendAsDevice(intruder, alice, 'alice', {
      type: 'transcript',
      destination: { kind: 'person', handle: 'bob' },
      message: {
        type: 'text',
        messageId: sodium.randombytes_buf(16),
        sentAt: Date.now(),
        groupId: null,
        text: 'I owe the relay 100 €',
      },
    });
    await sendAsDevice(intruder, alice, 'alice', {
      type: 'receipt',
      kind: 'read',
      messageIds: [decodeHex(hello.id)],
    });
    await settle();

    expect(await texts(alice, 'bob')).toEqual(['hello']);
    expect((await alice.engine.listConversations())[0]?.unread).toBe(1);
    expect((await alice.engine.listMessages('bob'))[0]?.state).toBe('delivered');
    expect(alice.issues).toContainEqual(
      expect.objectContaining({ kind: 'uncertified-sender', fromDevice: intruder.device() }),
    );
  });

  it('refuses an envelope the relay makes under the id of a contact’s device, and keeps the real session', async () => {
    const relay = createFakeRelay();
    const alice = await person(relay, 'alice');
    const bob = await person(relay, 'bob');
    await alice.engine.startConversation('bob');
    await alice.engine.sendText('bob', 'hi');
    await settle();
    await bob.engine.sendText('alice', 'hey');
    await settle();

    // The relay's own keys start a session with Alice's device, as Bob's device.
    const forger = relayDevice();
    const stores = createMemoryStores(forger.keys);
    const { bundles } = await bob.transport.fetchBundles('alice');
    const target = bundles.find((b) => b.device === alice.device());
    if (target === undefined) throw new Error('no bundle');
    await stores.sessions.storeSession(
      'alice',
      initiateSession(sodium, forger.keys.identity, decodePrekeyBundle(target.bundle), Date.now()),
    );
    const forged = encodeContent({
      type: 'text',
      messageId: sodium.randombytes_buf(16),
      sentAt: Date.now(),
      groupId: null,
      text: 'Send the money to the relay',
    });
    relay.inject(
      alice.device(),
      bob.device(),
      await sendMessage(sodium, stores.sessions, 'alice', forged),
    );
    await settle();
    expect(await texts(alice, 'bob')).toEqual(['hi', 'hey']);

    // Alice and Bob still reach each other, over the session with Bob's certified key.
    await bob.engine.sendText('alice', 'still me');
    await settle();
    await alice.engine.sendText('bob', 'yes, you');
    await settle();
    expect(await texts(alice, 'bob')).toEqual(['hi', 'hey', 'still me', 'yes, you']);
    expect(await texts(bob, 'alice')).toEqual(['hi', 'hey', 'still me', 'yes, you']);
    expect(alice.issues).toContainEqual(
      expect.objectContaining({ kind: 'uncertified-sender', fromDevice: bob.device() }),
    );
  });

  it('refuses an older device list replayed after a revocation', async () => {
    const relay = createFakeRelay();
    const alice = await person(relay, 'alice');
    const laptop = await person(relay, 'bob');
    const phone = await person(relay, 'bob');
    await alice.engine.startConversation('bob');
    await alice.engine.sendText('bob', 'to both');
    await settle();
    expect(await texts(phone, 'alice')).toEqual(['to both']);

    // Bob revokes his phone: his laptop signs list 3 without it (the relay keeps its mailbox).
    const bobKey = await createChatRepository(laptop.store).loadAccountKey();
    const before = relay.trust.accounts.get('bob');
    if (bobKey === undefined || before === undefined) throw new Error('no account key');
    const laptopCertificate = before.certificates
      .map((bytes) => verifyDeviceCertificate(sodium, before.accountKey, bytes))
      .find((c) => c.deviceId === laptop.device());
    if (laptopCertificate === undefined) throw new Error('no certificate');
    const replayed = relay.trust.fetch('bob');
    const revoking = signDeviceList(sodium, bobKey.secretKey, {
      handle: 'bob',
      version: before.version + 1,
      issuedAt: Date.now(),
      devices: [{ deviceId: laptop.device(), certificateHash: laptopCertificate.hash }],
    });
    relay.trust.publish('bob', {
      accountKey: Uint8Array.from(before.accountKey),
      list: Uint8Array.from(revoking.bytes),
      certificates: [],
      replaceAccountKey: false,
    });
    clock.offset = LATER;
    await alice.engine.sendText('bob', 'after the revocation');
    await settle();

    // The relay serves the list before, which still names the phone.
    relay.trust.lies.set('bob', replayed);
    const since = relay.log.length;
    clock.offset = 2 * LATER;
    await alice.engine.sendText('bob', 'after the replay');
    await settle();

    expect(envelopesTo(relay, phone.device(), since)).toEqual([]);
    expect(await texts(phone, 'alice')).toEqual(['to both']);
    expect(await texts(laptop, 'alice')).toEqual([
      'to both',
      'after the revocation',
      'after the replay',
    ]);
    expect(alice.issues).toContainEqual(
      expect.objectContaining({
        kind: 'device-list-refused',
        account: 'bob',
        code: 'STALE_DEVICE_LIST',
      }),
    );
  });

  it('refuses a second list under a version already accepted (equivocation)', async () => {
    const relay = createFakeRelay();
    const alice = await person(relay, 'alice');
    const bob = await person(relay, 'bob');
    await alice.engine.startConversation('bob');
    await alice.engine.sendText('bob', 'hi');
    await settle();

    // Bob's account key, misused (or two of his devices signing at once), signs another list
    // with the version Alice holds, naming a device someone else added.
    const intruder = await ghost(relay, 'bob');
    const bobKey = await createChatRepository(bob.store).loadAccountKey();
    const held = relay.trust.accounts.get('bob');
    if (bobKey === undefined || held === undefined) throw new Error('no account key');
    const identity = decodeIdentityKeyPair(
      (await createChatRepository(intruder.store).loadDevice())?.identity ?? new Uint8Array(),
    );
    const certificate = certifyDevice(sodium, bobKey.secretKey, {
      deviceId: intruder.device(),
      signingPublicKey: identity.signingPublicKey,
      dhPublicKey: identity.dhPublicKey,
      createdAt: Date.now(),
    });
    const bobCertificates = held.certificates.map((bytes) =>
      verifyDeviceCertificate(sodium, held.accountKey, bytes),
    );
    const other = signDeviceList(sodium, bobKey.secretKey, {
      handle: 'bob',
      version: held.version,
      issuedAt: Date.now() + 1,
      devices: [
        ...bobCertificates.map((c) => ({ deviceId: c.deviceId, certificateHash: c.hash })),
        { deviceId: intruder.device(), certificateHash: certificate.hash },
      ],
    });
    const lie = {
      account: 'bob',
      accountKey: Uint8Array.from(held.accountKey),
      list: Uint8Array.from(other.bytes),
      certificates: [...held.certificates, Uint8Array.from(certificate.bytes)],
    };
    relay.trust.lies.set('bob', lie);
    relay.keyLog.logServed('bob', lie);
    const since = relay.log.length;
    clock.offset = LATER;
    await alice.engine.sendText('bob', 'only to Bob');
    await settle();

    expect(envelopesTo(relay, intruder.device(), since)).toEqual([]);
    expect(await texts(bob, 'alice')).toEqual(['hi', 'only to Bob']);
    expect(alice.issues).toContainEqual(
      expect.objectContaining({
        kind: 'device-list-refused',
        account: 'bob',
        code: 'EQUIVOCATION',
      }),
    );
    // What Alice sees: a warning in the conversation, once however often the list is served.
    clock.offset = 2 * LATER;
    await alice.engine.sendText('bob', 'again');
    await settle();
    const conflicts = (await alice.engine.listMessages('bob')).filter(
      (m) => m.notice?.kind === 'device-list-conflict',
    );
    expect(conflicts.map((m) => m.author)).toEqual(['bob']);
  });

  it('shows the first-contact keys of the relay’s making in the safety number, never as the real ones', async () => {
    const relay = createFakeRelay();
    const alice = await person(relay, 'alice');
    const bob = await person(relay, 'bob');
    await bob.engine.startConversation('alice');
    // On first contact the relay serves its own device keys under Bob's device id, vouched for
    // by an account key of its making.
    const mitm = relayDevice();
    const lie = relayTrust('bob', [{ device: bob.device(), identity: mitm.keys.identity }]);
    relay.trust.lies.set('bob', lie);
    relay.keyLog.logServed('bob', lie);
    relay.lies.bundles.set('bob', [{ device: bob.device(), bundle: mitm.bundle }]);
    await alice.engine.startConversation('bob');
    await alice.engine.sendText('bob', 'first');
    await settle();

    // Then it serves the real ones.
    relay.trust.lies.delete('bob');
    relay.lies.bundles.delete('bob');
    clock.offset = LATER;
    const issuesBefore = bob.issues.length;
    await alice.engine.sendText('bob', 'second');
    await settle();

    const atAlice = await alice.engine.safetyNumber('bob');
    const atBob = await bob.engine.safetyNumber('alice');
    const received = await texts(bob, 'alice');
    // Comparing numbers shows the attack, or the message went to Bob's own key only.
    expect(atAlice.digits !== atBob.digits || received.includes('second')).toBe(true);
    // Nothing after the switch was encrypted to the relay's key.
    expect(bob.issues.slice(issuesBefore)).toEqual([]);
    // What Alice sees: Bob's safety number changed, and her message waits for her.
    const notices = (await alice.engine.listMessages('bob')).filter((m) => m.notice !== null);
    expect(notices.map((m) => m.notice?.kind)).toEqual(['key-change']);
  });

  it('pauses sending to a verified contact whose account key the relay replaces', async () => {
    const relay = createFakeRelay();
    const alice = await person(relay, 'alice');
    const bob = await person(relay, 'bob');
    await person(relay, 'carol');
    const group = await alice.engine.createGroup('Club', ['bob', 'carol']);
    await alice.engine.startConversation('bob');
    await alice.engine.sendText('bob', 'hi');
    await settle();
    await alice.engine.setVerified('bob', true);

    // The relay makes a new account key for Bob that vouches for a device of its own.
    const intruder = await ghost(relay, 'bob');
    const identity = decodeIdentityKeyPair(
      (await createChatRepository(intruder.store).loadDevice())?.identity ?? new Uint8Array(),
    );
    relay.trust.lies.set('bob', relayTrust('bob', [{ device: intruder.device(), identity }]));
    const since = relay.log.length;
    clock.offset = LATER;
    await alice.engine.sendText('bob', 'waits');
    await alice.engine.sendText(group.id, 'waits too');
    await settle();

    await expect(alice.engine.sendText('bob', 'refused')).rejects.toMatchObject({
      code: 'KEYS_CHANGED',
    });
    expect(envelopesTo(relay, intruder.device(), since)).toEqual([]);
    expect(await texts(bob, 'alice')).toEqual(['hi']);
    // What Alice sees: the change, in the conversation and in the group.
    for (const conversation of ['bob', group.id]) {
      const notices = (await alice.engine.listMessages(conversation)).filter(
        (m) => m.notice?.kind === 'key-change',
      );
      expect(notices.map((m) => m.author)).toEqual(['bob']);
    }
  });
});
