import {
  certifyDevice,
  generateAccountKey,
  generateDeviceKeys,
  signDeviceList,
  type AccountKeyPair,
  type DeviceCertificate,
} from '@vaultroom/shared/crypto';
import { ProtocolError } from '@vaultroom/shared/protocol';
import sodium from 'libsodium-wrappers';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  checkTrustUpload,
  type RegisteredDevice,
  type TrustUploadInput,
} from './checkTrustUpload.js';

interface Fixture {
  readonly ak: AccountKeyPair;
  readonly devices: Map<string, RegisteredDevice>;
  readonly certs: Map<string, DeviceCertificate>;
}

function fixture(ids: readonly string[]): Fixture {
  const ak = generateAccountKey(sodium);
  const devices = new Map<string, RegisteredDevice>();
  const certs = new Map<string, DeviceCertificate>();
  for (const deviceId of ids) {
    const { identity } = generateDeviceKeys(sodium, { now: 1, oneTimePrekeys: 0 });
    devices.set(deviceId, { signingKey: identity.signingPublicKey, dhKey: identity.dhPublicKey });
    certs.set(
      deviceId,
      certifyDevice(sodium, ak.secretKey, {
        deviceId,
        signingPublicKey: identity.signingPublicKey,
        dhPublicKey: identity.dhPublicKey,
        createdAt: 1,
      }),
    );
  }
  return { ak, devices, certs };
}

function listOf(f: Fixture, version: number, ids: readonly string[], handle = 'ada'): Uint8Array {
  return signDeviceList(sodium, f.ak.secretKey, {
    handle,
    version,
    issuedAt: 1,
    devices: ids.map((deviceId) => ({
      deviceId,
      certificateHash: f.certs.get(deviceId)?.hash ?? new Uint8Array(32),
    })),
  }).bytes;
}

function input(f: Fixture, overrides: Partial<TrustUploadInput> = {}): TrustUploadInput {
  return {
    handle: 'Ada',
    stored: null,
    upload: {
      accountKey: f.ak.publicKey,
      list: listOf(f, 1, ['dev-a', 'dev-b']),
      certificates: [...f.certs.values()].map((cert) => cert.bytes),
      replaceAccountKey: false,
    },
    devices: f.devices,
    storedCertificates: new Map(),
    ...overrides,
  };
}

function codeOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (error instanceof ProtocolError) return error.code;
    throw error;
  }
  return 'accepted';
}

describe('checkTrustUpload', () => {
  let f: Fixture;
  beforeAll(async () => {
    await sodium.ready;
    f = fixture(['dev-a', 'dev-b']);
  });

  it('accepts a first list with every certificate, for the handle in any case', () => {
    const checked = checkTrustUpload(sodium, input(f));
    expect(checked.version).toBe(1);
    expect(checked.replacesKey).toBe(false);
    expect(checked.certificates.map((cert) => cert.deviceId)).toEqual(['dev-a', 'dev-b']);
  });

  it('takes a certificate it already holds when the frame leaves it out', () => {
    const held = new Map([['dev-a', f.certs.get('dev-a')?.bytes ?? new Uint8Array()]]);
    const upload = {
      ...input(f).upload,
      list: listOf(f, 2, ['dev-a', 'dev-b']),
      certificates: [f.certs.get('dev-b')?.bytes ?? new Uint8Array()],
    };
    const stored = { accountKey: f.ak.publicKey, version: 1 };
    expect(
      checkTrustUpload(sodium, input(f, { stored, upload, storedCertificates: held })).version,
    ).toBe(2);
    expect(codeOf(() => checkTrustUpload(sodium, input(f, { stored, upload })))).toBe(
      'BAD_TRUST_OBJECT',
    );
  });

  it('refuses a version not above the stored one, unless the account key is new', () => {
    const stored = { accountKey: f.ak.publicKey, version: 1 };
    expect(codeOf(() => checkTrustUpload(sodium, input(f, { stored })))).toBe('STALE_DEVICE_LIST');
    const other = fixture(['dev-a', 'dev-b']);
    const replacing = input(other, {
      stored: { accountKey: f.ak.publicKey, version: 9 },
    });
    expect(codeOf(() => checkTrustUpload(sodium, replacing))).toBe('ACCOUNT_KEY_MISMATCH');
    const replaced = checkTrustUpload(sodium, {
      ...replacing,
      upload: { ...replacing.upload, replaceAccountKey: true },
    });
    expect(replaced).toMatchObject({ version: 1, replacesKey: true });
  });

  it('refuses a list for another handle, under another key, or not a list at all', () => {
    expect(codeOf(() => checkTrustUpload(sodium, input(f, { handle: 'bob' })))).toBe(
      'BAD_TRUST_OBJECT',
    );
    const other = fixture(['dev-a']);
    const foreign = { ...input(f).upload, list: listOf(other, 1, ['dev-a']) };
    expect(codeOf(() => checkTrustUpload(sodium, input(f, { upload: foreign })))).toBe(
      'BAD_TRUST_OBJECT',
    );
    const garbage = { ...input(f).upload, list: new Uint8Array(100) };
    expect(codeOf(() => checkTrustUpload(sodium, input(f, { upload: garbage })))).toBe(
      'BAD_TRUST_OBJECT',
    );
  });

  it('refuses a device that is not a live device of the account', () => {
    const devices = new Map(f.devices);
    devices.delete('dev-b');
    expect(codeOf(() => checkTrustUpload(sodium, input(f, { devices })))).toBe('BAD_TRUST_OBJECT');
  });

  it('refuses a certificate with other identity keys than the device registered', () => {
    const devices = new Map(f.devices);
    devices.set(
      'dev-b',
      f.devices.get('dev-a') ?? { signingKey: new Uint8Array(), dhKey: new Uint8Array() },
    );
    expect(codeOf(() => checkTrustUpload(sodium, input(f, { devices })))).toBe('BAD_TRUST_OBJECT');
  });

  it('refuses a certificate the list does not name, or the same one twice', () => {
    const cert = f.certs.get('dev-b')?.bytes ?? new Uint8Array();
    const extra = { ...input(f).upload, list: listOf(f, 1, ['dev-a']) };
    expect(codeOf(() => checkTrustUpload(sodium, input(f, { upload: extra })))).toBe(
      'BAD_TRUST_OBJECT',
    );
    const twice = { ...input(f).upload, certificates: [...input(f).upload.certificates, cert] };
    expect(codeOf(() => checkTrustUpload(sodium, input(f, { upload: twice })))).toBe(
      'BAD_TRUST_OBJECT',
    );
  });
});
