import { generateAccountKey, signDeviceList } from '@vaultroom/shared/crypto';
import sodium from 'libsodium-wrappers';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { clock, createFakeRelay, person, settle, type Person } from './chatEngineTestRelay.js';

/**
 * PROTOCOL.md §1.15.6 rule 7: a key the relay does not log is a key its owner never sees while
 * monitoring, so a contact refuses it. Each test has the relay serve a real device of Bob's (his
 * second one, certified by his account key) while cheating on the log.
 */

/** Past the hour after which device lists are fetched again when sending. */
const LATER = 2 * 60 * 60 * 1000;

const texts = async (p: Person, conversation: string) =>
  (await p.engine.listMessages(conversation)).filter((m) => m.notice === null).map((m) => m.text);

describe('the chat engine and the key-transparency log', () => {
  beforeAll(async () => {
    await sodium.ready;
  });
  afterEach(() => {
    clock.offset = 0;
  });

  /**
   * Alice and Bob talking; then Bob adds a phone, and the relay cheats on the log (`cheat`),
   * before the phone publishes its certificate or after.
   */
  async function newPhoneOfBob(
    cheat: (relay: ReturnType<typeof createFakeRelay>) => void,
    when: 'before-phone' | 'after-phone' = 'before-phone',
  ) {
    const relay = createFakeRelay();
    const alice = await person(relay, 'alice');
    const bob = await person(relay, 'bob');
    await alice.engine.startConversation('bob');
    await alice.engine.sendText('bob', 'hi');
    await settle();
    if (when === 'before-phone') cheat(relay);
    const phone = await person(relay, 'bob');
    await settle();
    if (when === 'after-phone') cheat(relay);
    const since = relay.log.length;
    clock.offset = LATER;
    await alice.engine.sendText('bob', 'after the phone');
    await settle();
    const toPhone = relay.log.slice(since).filter((entry) => entry.to === phone.device());
    return { alice, bob, phone, toPhone };
  }

  it('encrypts to a new device of a contact once the relay proves its keys in the log', async () => {
    const { bob, phone, toPhone } = await newPhoneOfBob(() => undefined);
    expect(toPhone).toHaveLength(1);
    expect(await texts(phone, 'alice')).toEqual(['after the phone']);
    expect(await texts(bob, 'alice')).toEqual(['hi', 'after the phone']);
  });

  it('refuses a device whose certificate and list the relay never logged, and says so once', async () => {
    const { alice, bob, toPhone } = await newPhoneOfBob((relay) => {
      relay.keyLog.lies.unlogged = true;
    });
    expect(toPhone).toEqual([]);
    // Bob's laptop, which Alice's device accepted before, still gets everything.
    expect(await texts(bob, 'alice')).toEqual(['hi', 'after the phone']);
    expect(alice.issues).toContainEqual({
      kind: 'key-not-logged',
      account: 'bob',
      code: 'NOT_LOGGED',
    });
    clock.offset = 2 * LATER;
    await alice.engine.sendText('bob', 'again');
    await settle();
    const notices = (await alice.engine.listMessages('bob')).filter(
      (m) => m.notice?.kind === 'key-not-logged',
    );
    expect(notices.map((m) => m.author)).toEqual(['bob']);
  });

  it('refuses a device whose inclusion proof does not verify', async () => {
    const { alice, toPhone } = await newPhoneOfBob((relay) => {
      relay.keyLog.lies.badProofs = true;
    }, 'after-phone');
    expect(toPhone).toEqual([]);
    expect(alice.issues).toContainEqual(
      expect.objectContaining({ kind: 'key-not-logged', account: 'bob' }),
    );
    expect(alice.issues).toContainEqual({
      kind: 'log-inconsistent',
      code: 'INCLUSION_PROOF_INVALID',
    });
  });
});

describe('a device monitoring its own account in the log (PROTOCOL.md §3.9)', () => {
  beforeAll(async () => {
    await sodium.ready;
  });

  /** Reconnects: monitoring runs on every connection. */
  async function reconnect(p: Person): Promise<void> {
    p.setOnline(false);
    p.setOnline(true);
    await settle();
  }

  /** The kinds of entry (or `unlogged-device`) monitoring reported, in order. */
  const alerts = (p: Person) =>
    p.issues.flatMap((issue) => (issue.kind === 'foreign-key-entry' ? [issue] : []));

  it('finds nothing to report while the account itself makes every entry', async () => {
    const relay = createFakeRelay();
    const laptop = await person(relay, 'bob');
    await person(relay, 'bob');
    await reconnect(laptop);
    expect(alerts(laptop)).toEqual([]);
    expect(laptop.issues.filter((issue) => issue.kind === 'log-inconsistent')).toEqual([]);
  });

  it('reports at once an account key and list for its account that its key did not sign', async () => {
    const relay = createFakeRelay();
    const laptop = await person(relay, 'bob');
    const seen: string[] = [];
    laptop.engine.subscribe((event) => {
      if (event.kind === 'log-alert') seen.push(event.entry);
    });
    // The relay logs a key of its own making for Bob, to have contacts accept it (rule 7).
    const forged = generateAccountKey(sodium);
    const list = signDeviceList(sodium, forged.secretKey, {
      handle: 'bob',
      version: 7,
      issuedAt: Date.now(),
      devices: [],
    });
    relay.keyLog.logUpload(
      'bob',
      {
        accountKey: Uint8Array.from(forged.publicKey),
        list: Uint8Array.from(list.bytes),
        certificates: [],
        replaceAccountKey: false,
      },
      [],
    );
    await reconnect(laptop);
    expect(alerts(laptop).map((issue) => issue.entry)).toEqual(['account-key', 'device-list']);
    expect(seen).toEqual(['account-key', 'device-list']);
  });

  it('reports a device the relay lists for its account but never logged', async () => {
    const relay = createFakeRelay();
    const laptop = await person(relay, 'bob');
    const own = relay.devices.get(laptop.device());
    if (own === undefined) throw new Error('no device');
    // A device row written underneath, with no entry in the log.
    relay.devices.set('bob-planted', { ...own, id: 'bob-planted', link: null, mailbox: [] });
    await reconnect(laptop);
    expect(alerts(laptop)).toEqual([
      { kind: 'foreign-key-entry', entry: 'unlogged-device', device: 'bob-planted' },
    ]);
  });

  it('keeps each finding until dismissed, across a reload, and shows a new one again', async () => {
    const relay = createFakeRelay();
    const laptop = await person(relay, 'bob');
    const own = relay.devices.get(laptop.device());
    if (own === undefined) throw new Error('no device');
    const plant = (id: string) => {
      relay.devices.set(id, { ...own, id, link: null, mailbox: [] });
    };
    const shown = async (p: Person) =>
      (await p.engine.logStatus()).notices.alerts
        .filter((alert) => !alert.dismissed)
        .map((alert) => alert.device);
    plant('bob-planted');
    await reconnect(laptop);
    expect(await shown(laptop)).toEqual(['bob-planted']);
    const [alert] = (await laptop.engine.logStatus()).notices.alerts;
    if (alert === undefined) throw new Error('no alert');
    await laptop.engine.dismissLogAlert(alert.id);
    // Found again on every monitoring, but read: not shown, here or on a reload.
    await reconnect(laptop);
    expect(await shown(laptop)).toEqual([]);
    laptop.engine.stop();
    const reloaded = await person(relay, 'bob', laptop.store);
    expect(await shown(reloaded)).toEqual([]);
    plant('bob-planted-2');
    await reconnect(reloaded);
    expect(await shown(reloaded)).toEqual(['bob-planted-2']);
  });
});
