import { generateAccountKey, openAccountKey, sealAccountKey } from '@vaultroom/shared/crypto';
import sodium from 'libsodium-wrappers';
import { beforeAll, describe, expect, it } from 'vitest';
import { clock, createFakeRelay, person, settle } from './chatEngineTestRelay.js';
import { testPasskey } from './chatEngineTestTrust.js';
import { createChatRepository } from './createChatRepository.js';
import { createMemorySealedStore } from './createMemorySealedStore.js';
import { encodeRecord } from './chatRecords.js';

const texts = async (engine: { listMessages(c: string): Promise<{ text: string }[]> }, c: string) =>
  (await engine.listMessages(c)).map((m) => m.text);

describe('the chat engine and its own account key', () => {
  beforeAll(async () => {
    await sodium.ready;
  });

  it('makes the account key on the first device, certifies it in list 1 and seals the key under its passkey', async () => {
    const relay = createFakeRelay();
    const laptop = await person(relay, 'alice');
    expect(laptop.engine.trustState()).toBe('certified');
    const stored = relay.trust.accounts.get('alice');
    expect(stored?.version).toBe(1);
    const held = await createChatRepository(laptop.store).loadAccountKey();
    expect(held?.publicKey).toEqual(stored?.accountKey);
    // The relay holds a blob it cannot open; the passkey's PRF output opens it to the same key.
    const blob = relay.trust.sealed.get('alice')?.get('alice-passkey');
    if (blob === undefined) throw new Error('no sealed key');
    const opened = openAccountKey(sodium, blob, testPasskey('alice-passkey').prfOutput, {
      accountId: 'id-alice',
      credentialId: 'alice-passkey',
    });
    expect(opened.publicKey).toEqual(stored?.accountKey);
  });

  it('certifies a second device with the same passkey itself, in list 2, with no approval', async () => {
    const relay = createFakeRelay();
    const laptop = await person(relay, 'alice');
    const phone = await person(relay, 'alice');
    expect(phone.engine.trustState()).toBe('certified');
    expect(relay.trust.accounts.get('alice')?.version).toBe(2);
    expect(await laptop.engine.devicesWaiting()).toEqual([]);
    // The safety number does not change with a device.
    const bob = await person(relay, 'bob');
    await bob.engine.startConversation('alice');
    const before = (await bob.engine.safetyNumber('alice')).digits;
    await person(relay, 'alice');
    expect((await bob.engine.safetyNumber('alice')).digits).toBe(before);
  });

  it('leaves a device whose passkey has no sealed key waiting for approval, then certifies it with the code it shows', async () => {
    const relay = createFakeRelay();
    const laptop = await person(relay, 'alice');
    const bob = await person(relay, 'bob');
    const phone = await person(relay, 'alice', createMemorySealedStore(), {
      passkey: 'alice-recovered',
    });
    expect(phone.engine.trustState()).toBe('waiting-for-approval');
    const code = await phone.engine.linkCode();
    expect(code).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$/);
    expect(await laptop.engine.devicesWaiting()).toEqual([{ device: phone.device() }]);

    // A wrong code certifies nothing.
    await expect(
      laptop.engine.approveDevice(phone.device(), '0000-0000-0000-0000'),
    ).rejects.toMatchObject({ code: 'WRONG_CODE' });
    expect(relay.trust.accounts.get('alice')?.version).toBe(1);

    await laptop.engine.approveDevice(phone.device(), (code ?? '').toLowerCase());
    await settle();
    expect(phone.engine.trustState()).toBe('certified');
    expect(await phone.engine.linkCode()).toBeNull();
    expect(await laptop.engine.devicesWaiting()).toEqual([]);
    // Now a device of the account like the other: it gets Bob's messages and copies of Alice's.
    await laptop.engine.startConversation('bob');
    await laptop.engine.sendText('bob', 'from the laptop');
    await settle();
    await bob.engine.sendText('alice', 'to both of yours');
    await settle();
    expect(await texts(phone.engine, 'bob')).toEqual(['from the laptop', 'to both of yours']);
    // It keeps the key sealed under its own passkey too, for its next device.
    expect(relay.trust.sealed.get('alice')?.has('alice-recovered')).toBe(true);
  });

  it('revokes a device with a newer list: contacts stop encrypting to it', async () => {
    const relay = createFakeRelay();
    const laptop = await person(relay, 'alice');
    const phone = await person(relay, 'alice');
    const bob = await person(relay, 'bob');
    await bob.engine.startConversation('alice');
    await bob.engine.sendText('alice', 'to both');
    await settle();
    expect(await texts(phone.engine, 'bob')).toEqual(['to both']);

    await laptop.engine.revokeDevice(phone.device());
    await settle();
    expect(relay.trust.accounts.get('alice')?.version).toBe(3);
    // The phone learns it was left out, and forgets the key rather than certify itself again.
    expect(phone.engine.trustState()).toBe('waiting-for-approval');
    // Bob fetches the list at his next send an hour on; the revoked phone gets nothing.
    const since = relay.log.length;
    clock.offset = 2 * 60 * 60 * 1000;
    try {
      await bob.engine.sendText('alice', 'to the laptop only');
      await settle();
    } finally {
      clock.offset = 0;
    }
    expect(relay.log.slice(since).filter((e) => e.to === phone.device())).toEqual([]);
    expect(await texts(laptop.engine, 'bob')).toEqual(['to both', 'to the laptop only']);
  });

  it('shows a sealed key that opens to another account key than the relay serves as a key change', async () => {
    const relay = createFakeRelay();
    await person(relay, 'alice');
    // The blob for the passkey opens to another key than the account key the relay serves (one
    // left from a replaced key, or served to mislead): the device takes neither.
    const other = generateAccountKey(sodium);
    const passkey = testPasskey('alice-passkey');
    relay.trust.storeSealed(
      'alice',
      'alice-passkey',
      sealAccountKey(sodium, other.secretKey, passkey.prfOutput, {
        accountId: 'id-alice',
        credentialId: 'alice-passkey',
      }),
    );
    const phone = await person(relay, 'alice');
    expect(phone.engine.trustState()).toBe('key-changed');
    expect(relay.trust.accounts.get('alice')?.version).toBe(1);
  });

  it('asks the person to verify again when the relay wants a fresh verification, and retries once', async () => {
    const relay = createFakeRelay();
    let verified = 0;
    relay.trust.refusals.push('REAUTH_REQUIRED');
    const laptop = await person(relay, 'alice', createMemorySealedStore(), {
      verifyUser: () => {
        verified += 1;
        return Promise.resolve();
      },
    });
    expect(verified).toBe(1);
    expect(laptop.engine.trustState()).toBe('certified');
    expect(relay.trust.accounts.get('alice')?.version).toBe(1);
  });

  it('reads a contact stored before account keys, and drops a verification of device keys', async () => {
    const relay = createFakeRelay();
    const store = createMemorySealedStore();
    await store.put(
      'contacts',
      'bob',
      encodeRecord({
        id: 'bob',
        handle: 'bob',
        devices: { 'bob-dev9': 'aa'.repeat(32) },
        verifiedKeys: 'aa'.repeat(32),
        keyChangedAt: null,
        refreshedAt: Date.now(),
      }),
    );
    const bob = await person(relay, 'bob');
    const alice = await person(relay, 'alice', store);
    expect(await alice.engine.loadContact('bob')).toMatchObject({
      devices: {},
      verifiedKeys: null,
      accountKey: null,
      listVersion: 0,
    });
    await alice.engine.startConversation('bob');
    await alice.engine.sendText('bob', 'after the upgrade');
    await settle();
    expect(await texts(bob.engine, 'alice')).toEqual(['after the upgrade']);
  });
});
