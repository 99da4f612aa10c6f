import { readFileSync, writeFileSync } from 'node:fs';
import sodium from 'libsodium-wrappers';
import { beforeAll, describe, expect, it } from 'vitest';
import { computeAccountSafetyNumber } from './accountSafetyNumber.js';
import { utf8 } from './bytes.js';
import { certifyDevice } from './certifyDevice.js';
import { createLinkOffer } from './createLinkOffer.js';
import { decodeLinkOffer } from './decodeLinkOffer.js';
import { generateAccountKey } from './generateAccountKey.js';
import { generateIdentityKeyPair } from './generateIdentityKeyPair.js';
import { openAccountKey } from './openAccountKey.js';
import { sealAccountKey } from './sealAccountKey.js';
import { signDeviceList } from './signDeviceList.js';
import { verifyDeviceCertificate } from './verifyDeviceCertificate.js';
import { verifyDeviceList } from './verifyDeviceList.js';
import { encodeContent } from './content.js';
import { createMemoryStores } from './createMemoryStores.js';
import { createSeededRandom } from './createSeededRandom.js';
import { generateDeviceKeys } from './generateDeviceKeys.js';
import { groupDecrypt, groupEncrypt } from './groupMessage.js';
import { initiateSession } from './initiateSession.js';
import {
  decodeIdentityKeyPair,
  decodeOneTimePrekey,
  decodePqPrekey,
  decodeSignedPrekey,
  encodeIdentityKeyPair,
  encodeOneTimePrekey,
  encodePqPrekey,
  encodeSignedPrekey,
} from './keyRecords.js';
import { publicIdentity } from './keyTypes.js';
import { createPrekeyBundle, decodePrekeyBundle, encodePrekeyBundle } from './prekeyBundle.js';
import { receiveMessage } from './receiveMessage.js';
import { computeSafetyNumber } from './safetyNumber.js';
import { sendMessage } from './sendMessage.js';
import {
  createSenderKey,
  decodeSenderKey,
  encodeSenderKey,
  processSenderKeyDistribution,
  senderKeyDistribution,
} from './SenderKeyState.js';
import { encodeSenderKeyDistribution } from './senderKeyDistribution.js';
import { decodeSession, encodeSession } from './sessionRecord.js';
import { verifyPrekeySignature } from './prekeySignature.js';

/*
 * Known-answer vectors of our own protocol (PROTOCOL.md §1.12): fixed seeds → exact bytes, so
 * any change to the wire format, a KDF label or a record layout fails here. vectors-v2.json is
 * what this version makes (prekeys signed with their creation time, the dated bundle 0x20);
 * vectors-v1.json stays as released: its golden record snapshots (§1.11) must still load.
 * Regenerate only on a deliberate format change: VAULTROOM_WRITE_VECTORS=1.
 */
const file = new URL('../../test-vectors/e2e/vectors-v1.json', import.meta.url);
const currentFile = new URL('../../test-vectors/e2e/vectors-v2.json', import.meta.url);
type Vectors = Record<string, string>;

function must<T>(value: T | undefined): T {
  if (value === undefined) throw new Error('missing test fixture');
  return value;
}

const seed = (n: number) => Uint8Array.from({ length: 32 }, (_, i) => (n * 32 + i) & 0xff);

beforeAll(async () => {
  await sodium.ready;
});

async function generate(): Promise<Vectors> {
  const h = (b: Uint8Array) => sodium.to_hex(b);
  const randomA = createSeededRandom(sodium, seed(1));
  const randomB = createSeededRandom(sodium, seed(2));
  const now = 1_767_225_600_000; // 2026-01-01T00:00:00Z
  const alice = generateDeviceKeys(sodium, { now, oneTimePrekeys: 2, random: randomA });
  const bob = generateDeviceKeys(sodium, { now, oneTimePrekeys: 2, random: randomB });
  const aliceStores = createMemoryStores(alice);
  const bobStores = createMemoryStores(bob);
  const bundle = createPrekeyBundle(
    bob.identity,
    bob.signedPrekey,
    bob.pqPrekey,
    bob.oneTimePrekeys[0],
  );
  await aliceStores.sessions.storeSession(
    'bob',
    initiateSession(sodium, alice.identity, bundle, now, randomA),
  );
  const m1 = await sendMessage(sodium, aliceStores.sessions, 'bob', utf8('Hello Bob'), randomA);
  const r1 = await receiveMessage(sodium, bobStores, bob.identity, 'alice', m1, randomB);
  const m2 = await sendMessage(sodium, bobStores.sessions, 'alice', utf8('Hello Alice'), randomB);
  const r2 = await receiveMessage(sodium, aliceStores, alice.identity, 'bob', m2, randomA);
  const m3 = await sendMessage(sodium, aliceStores.sessions, 'bob', utf8('Third message'), randomA);
  const aliceSession = aliceStores.peekSession('bob');
  const bobSession = bobStores.peekSession('alice');
  if (!aliceSession || !bobSession) throw new Error('sessions missing');
  // m3 is not yet delivered: a later version loads bobSession and must decrypt it.
  const groupRandom = createSeededRandom(sodium, seed(3));
  const groupId = new Uint8Array(16).fill(0x42);
  const senderKey = createSenderKey(sodium, groupId, groupRandom);
  const distribution = senderKeyDistribution(senderKey);
  const group1 = groupEncrypt(sodium, senderKey, utf8('Hello group'), groupRandom);
  const receiverKey = groupDecrypt(
    sodium,
    processSenderKeyDistribution(distribution),
    group1.message,
  ).state;
  const group2 = groupEncrypt(sodium, group1.state, utf8('Second group message'), groupRandom);
  const safety = computeSafetyNumber(
    sodium,
    { accountId: 'alice@vaultroom.test', identityKeys: [alice.identity.signingPublicKey] },
    { accountId: 'bob@vaultroom.test', identityKeys: [bob.identity.signingPublicKey] },
  );
  return {
    'seeded_random.seed01.call0_len40': h(createSeededRandom(sodium, seed(1))(40)),
    'alice.identity_signing_public_key': h(alice.identity.signingPublicKey),
    'bob.prekey_bundle': h(encodePrekeyBundle(bundle)),
    'pairwise.m1_alice_to_bob_prekey': h(m1),
    'pairwise.m1_plaintext': h(r1.content),
    'pairwise.m2_bob_to_alice': h(m2),
    'pairwise.m2_plaintext': h(r2.content),
    'pairwise.m3_alice_to_bob_undelivered': h(m3),
    'group.sender_key_distribution': h(encodeSenderKeyDistribution(distribution)),
    'group.message1': h(group1.message),
    'group.message2_undelivered': h(group2.message),
    'safety_number.digits': safety.digits,
    'safety_number.qr_payload': h(safety.qrPayload),
    'content.text': h(
      encodeContent({
        type: 'text',
        messageId: new Uint8Array(16).fill(1),
        sentAt: now,
        groupId: null,
        text: 'hi',
      }),
    ),
    'content.receipt': h(
      encodeContent({ type: 'receipt', kind: 'read', messageIds: [new Uint8Array(16).fill(1)] }),
    ),
    'record.v1.identity.alice': h(encodeIdentityKeyPair(alice.identity)),
    'record.v1.identity.bob': h(encodeIdentityKeyPair(bob.identity)),
    'record.v1.signed_prekey.bob': h(encodeSignedPrekey(bob.signedPrekey)),
    'record.v1.pq_prekey.bob': h(encodePqPrekey(bob.pqPrekey)),
    'record.v1.one_time_prekey.bob_2': h(encodeOneTimePrekey(must(bob.oneTimePrekeys[1]))),
    'record.v1.session.alice_with_bob': h(encodeSession(aliceSession)),
    'record.v1.session.bob_with_alice': h(encodeSession(bobSession)),
    'record.v1.sender_key.own': h(encodeSenderKey(group2.state)),
    'record.v1.sender_key.received': h(encodeSenderKey(receiverKey)),
  };
}

describe('known-answer vectors (shared/test-vectors/e2e/vectors-v2.json)', () => {
  it('reproduces every committed byte from the fixed seeds', async () => {
    const fresh = await generate();
    if (process.env['VAULTROOM_WRITE_VECTORS'] === '1') {
      writeFileSync(currentFile, `${JSON.stringify(fresh, null, 2)}\n`);
    }
    const committed = JSON.parse(readFileSync(currentFile, 'utf8')) as Vectors;
    expect(Object.keys(fresh).sort()).toEqual(Object.keys(committed).sort());
    for (const [name, value] of Object.entries(committed)) expect(fresh[name], name).toBe(value);
    expect(committed['pairwise.m1_plaintext']).toBe(sodium.to_hex(utf8('Hello Bob')));
    expect(committed['safety_number.digits']).toMatch(/^\d{60}$/);
  });
});

describe('golden record snapshots, format version 1', () => {
  const v = JSON.parse(readFileSync(file, 'utf8')) as Vectors;
  const bytes = (name: string) => sodium.from_hex(v[name] ?? '');

  it('decodes every record and re-encodes it byte for byte', () => {
    const pairs: [string, (b: Uint8Array) => Uint8Array][] = [
      ['record.v1.identity.alice', (b) => encodeIdentityKeyPair(decodeIdentityKeyPair(b))],
      ['record.v1.identity.bob', (b) => encodeIdentityKeyPair(decodeIdentityKeyPair(b))],
      ['record.v1.signed_prekey.bob', (b) => encodeSignedPrekey(decodeSignedPrekey(b))],
      ['record.v1.pq_prekey.bob', (b) => encodePqPrekey(decodePqPrekey(b))],
      ['record.v1.one_time_prekey.bob_2', (b) => encodeOneTimePrekey(decodeOneTimePrekey(b))],
      ['record.v1.session.alice_with_bob', (b) => encodeSession(decodeSession(b))],
      ['record.v1.session.bob_with_alice', (b) => encodeSession(decodeSession(b))],
      ['record.v1.sender_key.own', (b) => encodeSenderKey(decodeSenderKey(b))],
      ['record.v1.sender_key.received', (b) => encodeSenderKey(decodeSenderKey(b))],
    ];
    for (const [name, roundTrip] of pairs)
      expect(sodium.to_hex(roundTrip(bytes(name))), name).toBe(v[name]);
  });

  it('an undated bundle of version 1 is no longer accepted (a bundle is fetched, never stored)', () => {
    expect(() => decodePrekeyBundle(bytes('bob.prekey_bundle'))).toThrow(
      expect.objectContaining({ code: 'MALFORMED' }),
    );
  });

  it('a stored signed prekey of version 1 loads, and its undated signature no longer verifies', () => {
    const bob = decodeIdentityKeyPair(bytes('record.v1.identity.bob'));
    const signed = decodeSignedPrekey(bytes('record.v1.signed_prekey.bob'));
    const facts = { kind: 'signedPrekey', id: signed.id, createdAt: signed.createdAt } as const;
    const verify = () => {
      verifyPrekeySignature(
        sodium,
        bob.signingPublicKey,
        facts,
        signed.publicKey,
        signed.signature,
      );
    };
    expect(verify).toThrow(expect.objectContaining({ code: 'BAD_SIGNATURE' }));
  });

  it('a loaded session decrypts the next committed message and keeps talking', async () => {
    const alice = decodeIdentityKeyPair(bytes('record.v1.identity.alice'));
    expect(alice.signingPublicKey).toEqual(bytes('alice.identity_signing_public_key'));
    const bob = decodeIdentityKeyPair(bytes('record.v1.identity.bob'));
    const session = decodeSession(bytes('record.v1.session.bob_with_alice'));
    const stores = {
      sessions: {
        loadSession: () => Promise.resolve(session),
        storeSession: () => Promise.resolve(),
      },
      prekeys: {
        loadSignedPrekey: () => Promise.resolve(undefined),
        loadPqPrekey: () => Promise.resolve(undefined),
        loadOneTimePrekey: () => Promise.resolve(undefined),
        removeOneTimePrekey: () => Promise.resolve(),
        hasHandshake: () => Promise.resolve(false),
        recordHandshake: () => Promise.resolve(),
      },
    };
    const out = await receiveMessage(
      sodium,
      stores,
      bob,
      'alice',
      bytes('pairwise.m3_alice_to_bob_undelivered'),
    );
    expect(out.content).toEqual(utf8('Third message'));
  });

  it('a loaded receiver sender key decrypts the next committed group message', () => {
    const state = decodeSenderKey(bytes('record.v1.sender_key.received'));
    expect(groupDecrypt(sodium, state, bytes('group.message2_undelivered')).content).toEqual(
      utf8('Second group message'),
    );
  });
});

/*
 * Device trust (PROTOCOL.md §1.15), in a file of its own so that vectors-v1.json stays as
 * released. Seeds: Alice's account key 0x80..0x9F, Bob's 0xA0..0xBF, Alice's phone identity
 * 0x20..0x3F (her device of vectors-v1), her laptop 0xC0..0xDF, the sealing nonce 0xE0..0xFF.
 */
const trustFile = new URL('../../test-vectors/e2e/device-trust-v1.json', import.meta.url);
const trustNow = 1_767_225_600_000; // 2026-01-01T00:00:00Z
const day = 24 * 60 * 60 * 1000;
const prfOutput = Uint8Array.from({ length: 32 }, (_, i) => 0xf0 ^ i);
const sealBinding = { accountId: 'accAlice', credentialId: 'Y3JlZC1hbGljZQ' };

function generateDeviceTrust(): Vectors {
  const h = (b: Uint8Array) => sodium.to_hex(b);
  const aliceAccount = generateAccountKey(sodium, createSeededRandom(sodium, seed(4)));
  const bobAccount = generateAccountKey(sodium, createSeededRandom(sodium, seed(5)));
  const phone = generateIdentityKeyPair(sodium, createSeededRandom(sodium, seed(1)));
  const laptop = generateIdentityKeyPair(sodium, createSeededRandom(sodium, seed(6)));
  const certificate = (deviceId: string, identity: typeof phone, createdAt: number) =>
    certifyDevice(sodium, aliceAccount.secretKey, {
      deviceId,
      signingPublicKey: identity.signingPublicKey,
      dhPublicKey: identity.dhPublicKey,
      createdAt,
    });
  const phoneCertificate = certificate('alicePhone1', phone, trustNow);
  const laptopCertificate = certificate('aliceLaptop2', laptop, trustNow + day);
  const entry = (c: typeof phoneCertificate) => ({
    deviceId: c.deviceId,
    certificateHash: c.hash,
  });
  const list1 = signDeviceList(sodium, aliceAccount.secretKey, {
    handle: 'Alice',
    version: 1,
    issuedAt: trustNow + day,
    devices: [entry(phoneCertificate), entry(laptopCertificate)],
  });
  const list2 = signDeviceList(sodium, aliceAccount.secretKey, {
    handle: 'alice',
    version: 2,
    issuedAt: trustNow + 2 * day,
    devices: [entry(phoneCertificate)],
  });
  const safety = computeAccountSafetyNumber(
    sodium,
    { handle: 'alice', accountPublicKey: aliceAccount.publicKey },
    { handle: 'bob', accountPublicKey: bobAccount.publicKey },
  );
  const sealed = sealAccountKey(
    sodium,
    aliceAccount.secretKey,
    prfOutput,
    sealBinding,
    createSeededRandom(sodium, seed(7)),
  );
  const offer = createLinkOffer(sodium, 'aliceLaptop2', publicIdentity(laptop));
  return {
    'account_key.alice.public_key': h(aliceAccount.publicKey),
    'account_key.bob.public_key': h(bobAccount.publicKey),
    'device_certificate.alice_phone': h(phoneCertificate.bytes),
    'device_certificate.alice_phone.hash': h(phoneCertificate.hash),
    'device_certificate.alice_laptop': h(laptopCertificate.bytes),
    'device_certificate.alice_laptop.hash': h(laptopCertificate.hash),
    'device_list.alice.v1': h(list1.bytes),
    'device_list.alice.v2_laptop_revoked': h(list2.bytes),
    'account_safety_number.digits': safety.digits,
    'account_safety_number.qr_payload': h(safety.qrPayload),
    'sealed_account_key.prf_output': h(prfOutput),
    'sealed_account_key.alice': h(sealed),
    'link_offer.alice_laptop': h(offer.bytes),
    'link_offer.alice_laptop.code': offer.code,
  };
}

describe('device-trust vectors (shared/test-vectors/e2e/device-trust-v1.json)', () => {
  it('reproduces every committed byte from the fixed seeds', () => {
    const fresh = generateDeviceTrust();
    if (process.env['VAULTROOM_WRITE_VECTORS'] === '1') {
      writeFileSync(trustFile, `${JSON.stringify(fresh, null, 2)}\n`);
    }
    const committed = JSON.parse(readFileSync(trustFile, 'utf8')) as Vectors;
    expect(Object.keys(fresh).sort()).toEqual(Object.keys(committed).sort());
    for (const [name, value] of Object.entries(committed)) expect(fresh[name], name).toBe(value);
  });

  it('the committed objects verify, refuse a rollback and open as the spec says', () => {
    const v = JSON.parse(readFileSync(trustFile, 'utf8')) as Vectors;
    const bytes = (name: string) => sodium.from_hex(v[name] ?? '');
    const accountKey = bytes('account_key.alice.public_key');
    const phone = verifyDeviceCertificate(
      sodium,
      accountKey,
      bytes('device_certificate.alice_phone'),
    );
    expect(phone.deviceId).toBe('alicePhone1');
    expect(phone.hash).toEqual(bytes('device_certificate.alice_phone.hash'));
    const v2 = verifyDeviceList(sodium, accountKey, bytes('device_list.alice.v2_laptop_revoked'), {
      handle: 'alice',
      newerThan: 1,
    });
    expect(v2.devices).toEqual([{ deviceId: 'alicePhone1', certificateHash: phone.hash }]);
    expect(() =>
      verifyDeviceList(sodium, accountKey, bytes('device_list.alice.v1'), {
        handle: 'alice',
        newerThan: v2.version,
      }),
    ).toThrow(expect.objectContaining({ code: 'STALE_DEVICE_LIST' }));
    const opened = openAccountKey(
      sodium,
      bytes('sealed_account_key.alice'),
      bytes('sealed_account_key.prf_output'),
      sealBinding,
    );
    expect(opened.publicKey).toEqual(accountKey);
    expect(decodeLinkOffer(sodium, bytes('link_offer.alice_laptop')).code).toBe(
      v['link_offer.alice_laptop.code'],
    );
  });
});
