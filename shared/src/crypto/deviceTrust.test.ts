import sodium from 'libsodium-wrappers';
import { beforeAll, describe, expect, it } from 'vitest';
import { CryptoError } from './CryptoError.js';
import { certifyDevice, deviceCertificateHash } from './certifyDevice.js';
import { generateAccountKey, type AccountKeyPair } from './generateAccountKey.js';
import { generateIdentityKeyPair } from './generateIdentityKeyPair.js';
import { MAX_ACCOUNT_DEVICES, RECORD_TYPE } from './labels.js';
import { signDeviceList, type DeviceListEntry } from './signDeviceList.js';
import { verifyAccountDevices } from './verifyAccountDevices.js';
import { verifyDeviceCertificate } from './verifyDeviceCertificate.js';
import { verifyDeviceList } from './verifyDeviceList.js';

const codeOf = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    if (error instanceof CryptoError) return error.code;
    throw error;
  }
  return 'accepted';
};

let alice: AccountKeyPair;
let mallory: AccountKeyPair;
beforeAll(async () => {
  await sodium.ready;
  alice = generateAccountKey(sodium);
  mallory = generateAccountKey(sodium);
});

function device(deviceId: string, createdAt = 1_767_225_600_000) {
  const identity = generateIdentityKeyPair(sodium);
  return {
    deviceId,
    signingPublicKey: identity.signingPublicKey,
    dhPublicKey: identity.dhPublicKey,
    createdAt,
  };
}

describe('device certificates', () => {
  it('verifies under the account key that made it and gives back every field', () => {
    const fields = device('dev_A-1');
    const certificate = certifyDevice(sodium, alice.secretKey, fields);
    const verified = verifyDeviceCertificate(sodium, alice.publicKey, certificate.bytes);
    expect(verified).toEqual({ ...fields, bytes: certificate.bytes, hash: certificate.hash });
    expect(certificate.bytes.length).toBe(2 + 1 + 7 + 32 + 32 + 8 + 64);
    expect(certificate.bytes.subarray(0, 2)).toEqual(
      Uint8Array.of(1, RECORD_TYPE.deviceCertificate),
    );
    expect(certificate.hash).toEqual(deviceCertificateHash(sodium, certificate.bytes));
  });

  it('is refused under another account key, with a flipped byte, a new version or a trailing byte', () => {
    const { bytes } = certifyDevice(sodium, alice.secretKey, device('dev1'));
    expect(codeOf(() => verifyDeviceCertificate(sodium, mallory.publicKey, bytes))).toBe(
      'BAD_SIGNATURE',
    );
    for (let i = 0; i < bytes.length; i++) {
      const changed = bytes.slice();
      changed[i] = (changed[i] ?? 0) ^ 0x01;
      expect(codeOf(() => verifyDeviceCertificate(sodium, alice.publicKey, changed))).not.toBe(
        'accepted',
      );
    }
    const newer = bytes.slice();
    newer[0] = 2;
    expect(codeOf(() => verifyDeviceCertificate(sodium, alice.publicKey, newer))).toBe(
      'UNSUPPORTED_VERSION',
    );
    const longer = Uint8Array.from([...bytes, 0]);
    expect(codeOf(() => verifyDeviceCertificate(sodium, alice.publicKey, longer))).toBe(
      'MALFORMED',
    );
  });

  it('is never made for an id outside base64url, an overlong id or a key of the wrong length', () => {
    for (const deviceId of ['', 'a'.repeat(65), 'dev 1', 'dév']) {
      expect(codeOf(() => certifyDevice(sodium, alice.secretKey, device(deviceId)))).toBe(
        'MALFORMED',
      );
    }
    const short = { ...device('dev1'), dhPublicKey: new Uint8Array(31) };
    expect(codeOf(() => certifyDevice(sodium, alice.secretKey, short))).toBe('MALFORMED');
  });

  it('refuses an overlong id length byte even when the rest would parse', () => {
    const { bytes } = certifyDevice(sodium, alice.secretKey, device('dev1'));
    const overlong = bytes.slice();
    overlong[2] = 65;
    expect(codeOf(() => verifyDeviceCertificate(sodium, alice.publicKey, overlong))).toBe(
      'MALFORMED',
    );
  });

  it('refuses a certified low-order DH key', () => {
    const fields = { ...device('dev1'), dhPublicKey: new Uint8Array(32) };
    const { bytes } = certifyDevice(sodium, alice.secretKey, fields);
    expect(codeOf(() => verifyDeviceCertificate(sodium, alice.publicKey, bytes))).toBe(
      'LOW_ORDER_KEY',
    );
  });
});

describe('signed device lists', () => {
  const entry = (deviceId: string, fill: number): DeviceListEntry => ({
    deviceId,
    certificateHash: new Uint8Array(32).fill(fill),
  });
  const list = (version: number, devices = [entry('b', 2), entry('a', 1)]) =>
    signDeviceList(sodium, alice.secretKey, {
      handle: 'Alice',
      version,
      issuedAt: 1_767_225_600_000,
      devices,
    });

  it('verifies for its handle in any case, with its devices sorted by id', () => {
    const signed = list(3);
    const verified = verifyDeviceList(sodium, alice.publicKey, signed.bytes, { handle: 'ALICE' });
    expect(verified.handle).toBe('alice');
    expect(verified.version).toBe(3);
    expect(verified.devices.map((d) => d.deviceId)).toEqual(['a', 'b']);
    expect(verified).toEqual(signed);
    expect(
      verifyDeviceList(sodium, alice.publicKey, signed.bytes, { handle: 'alice', newerThan: 2 })
        .version,
    ).toBe(3);
  });

  it('refuses a list for another handle, under another key, or not newer than one seen', () => {
    const { bytes } = list(3);
    expect(codeOf(() => verifyDeviceList(sodium, alice.publicKey, bytes, { handle: 'bob' }))).toBe(
      'WRONG_ACCOUNT',
    );
    expect(
      codeOf(() => verifyDeviceList(sodium, mallory.publicKey, bytes, { handle: 'alice' })),
    ).toBe('BAD_SIGNATURE');
    for (const newerThan of [3, 4, 1000]) {
      expect(
        codeOf(() =>
          verifyDeviceList(sodium, alice.publicKey, bytes, { handle: 'alice', newerThan }),
        ),
      ).toBe('STALE_DEVICE_LIST');
    }
  });

  it('revokes a device with a newer list that no longer names it', () => {
    const before = list(1);
    const after = list(2, [entry('a', 1)]);
    const seen = verifyDeviceList(sodium, alice.publicKey, before.bytes, { handle: 'alice' });
    const now = verifyDeviceList(sodium, alice.publicKey, after.bytes, {
      handle: 'alice',
      newerThan: seen.version,
    });
    expect(now.devices.map((d) => d.deviceId)).toEqual(['a']);
    // The relay serving the older list again is a rollback.
    expect(
      codeOf(() =>
        verifyDeviceList(sodium, alice.publicKey, before.bytes, {
          handle: 'alice',
          newerThan: now.version,
        }),
      ),
    ).toBe('STALE_DEVICE_LIST');
  });

  it('signs and accepts an empty list, and at most MAX_ACCOUNT_DEVICES devices', () => {
    expect(
      verifyDeviceList(sodium, alice.publicKey, list(1, []).bytes, { handle: 'alice' }).devices,
    ).toEqual([]);
    const full = Array.from({ length: MAX_ACCOUNT_DEVICES }, (_, i) => entry(`d${i}`, i));
    expect(
      verifyDeviceList(sodium, alice.publicKey, list(1, full).bytes, { handle: 'alice' }).devices,
    ).toHaveLength(MAX_ACCOUNT_DEVICES);
    expect(codeOf(() => list(1, [...full, entry('z', 9)]))).toBe('MALFORMED');
  });

  it('never signs duplicates, version 0 or an invalid handle', () => {
    expect(codeOf(() => list(1, [entry('a', 1), entry('a', 2)]))).toBe('MALFORMED');
    expect(codeOf(() => list(0))).toBe('MALFORMED');
    for (const handle of ['', '1abc', 'a'.repeat(33), 'al ice']) {
      expect(
        codeOf(() =>
          signDeviceList(sodium, alice.secretKey, { handle, version: 1, issuedAt: 0, devices: [] }),
        ),
      ).toBe('MALFORMED');
    }
  });

  it('refuses a decoded list with duplicates, unsorted ids or too many devices, even if signed', () => {
    // Build well-signed but non-canonical lists by hand: the decoder must refuse them anyway.
    const handle = Uint8Array.of(1, 0x61);
    const head = (count: number) =>
      Uint8Array.from([
        1,
        RECORD_TYPE.deviceList,
        ...handle,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        1,
        ...new Uint8Array(8),
        count,
      ]);
    const item = (id: string) =>
      Uint8Array.from([id.length, ...new TextEncoder().encode(id), ...new Uint8Array(32)]);
    const signed = (body: Uint8Array) => {
      const label = new TextEncoder().encode('VaultRoom/e2e/v1/device-list');
      const message = Uint8Array.from([label.length, ...label, ...body]);
      return Uint8Array.from([...body, ...sodium.crypto_sign_detached(message, alice.secretKey)]);
    };
    const good = signed(Uint8Array.from([...head(2), ...item('a'), ...item('b')]));
    expect(verifyDeviceList(sodium, alice.publicKey, good, { handle: 'a' }).devices).toHaveLength(
      2,
    );
    const cases = [
      Uint8Array.from([...head(2), ...item('a'), ...item('a')]),
      Uint8Array.from([...head(2), ...item('b'), ...item('a')]),
      Uint8Array.from([
        ...head(MAX_ACCOUNT_DEVICES + 1),
        ...Array.from({ length: MAX_ACCOUNT_DEVICES + 1 }, (_, i) => [...item(`d${i}`)]).flat(),
      ]),
    ];
    for (const body of cases) {
      expect(
        codeOf(() => verifyDeviceList(sodium, alice.publicKey, signed(body), { handle: 'a' })),
      ).toBe('MALFORMED');
    }
  });
});

describe('an account’s certified devices (list and certificates together)', () => {
  it('gives exactly the devices the list names, each with its certificate', () => {
    const phone = certifyDevice(sodium, alice.secretKey, device('phone1'));
    const laptop = certifyDevice(sodium, alice.secretKey, device('laptop2'));
    const old = certifyDevice(sodium, alice.secretKey, device('old3'));
    const list = signDeviceList(sodium, alice.secretKey, {
      handle: 'alice',
      version: 4,
      issuedAt: 0,
      devices: [phone, laptop].map((c) => ({ deviceId: c.deviceId, certificateHash: c.hash })),
    });
    const result = verifyAccountDevices(
      sodium,
      alice.publicKey,
      { list: list.bytes, certificates: [old.bytes, phone.bytes, laptop.bytes] },
      { handle: 'alice', newerThan: 3 },
    );
    expect(result.devices.map((d) => d.deviceId)).toEqual(['laptop2', 'phone1']);
    expect(result.list.version).toBe(4);
  });

  it('refuses a missing certificate, one under another key, and one for another device id', () => {
    const phone = certifyDevice(sodium, alice.secretKey, device('phone1'));
    const entry = { deviceId: 'phone1', certificateHash: phone.hash };
    const sign = (devices: DeviceListEntry[]) =>
      signDeviceList(sodium, alice.secretKey, { handle: 'alice', version: 1, issuedAt: 0, devices })
        .bytes;
    const check = (list: Uint8Array, certificates: Uint8Array[]) =>
      codeOf(() =>
        verifyAccountDevices(sodium, alice.publicKey, { list, certificates }, { handle: 'alice' }),
      );
    expect(check(sign([entry]), [])).toBe('MALFORMED');
    const forged = certifyDevice(sodium, mallory.secretKey, device('phone1'));
    expect(check(sign([entry]), [forged.bytes])).toBe('BAD_SIGNATURE');
    expect(check(sign([{ ...entry, deviceId: 'tablet9' }]), [phone.bytes])).toBe('MALFORMED');
    expect(check(sign([entry]), [phone.bytes])).toBe('accepted');
  });
});
