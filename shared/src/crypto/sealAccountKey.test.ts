import sodium from 'libsodium-wrappers';
import { beforeAll, describe, expect, it } from 'vitest';
import { CryptoError } from './CryptoError.js';
import { generateAccountKey } from './generateAccountKey.js';
import { openAccountKey } from './openAccountKey.js';
import { SEALED_ACCOUNT_KEY_BYTES, sealAccountKey } from './sealAccountKey.js';

beforeAll(async () => {
  await sodium.ready;
});

const codeOf = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    if (error instanceof CryptoError) return error.code;
    throw error;
  }
  return 'accepted';
};

describe('account key sealed under a passkey PRF output', () => {
  const binding = { accountId: 'acc_1', credentialId: 'Y3JlZGVudGlhbC0x' };
  const prf = new Uint8Array(32).fill(7);

  it('opens with the same PRF output and binding, giving back the same key pair', () => {
    const account = generateAccountKey(sodium);
    const sealed = sealAccountKey(sodium, account.secretKey, prf, binding);
    expect(sealed.length).toBe(SEALED_ACCOUNT_KEY_BYTES);
    expect(openAccountKey(sodium, sealed, prf, binding)).toEqual(account);
  });

  it("refuses another passkey's PRF output, another account or credential id, any flipped byte", () => {
    const account = generateAccountKey(sodium);
    const sealed = sealAccountKey(sodium, account.secretKey, prf, binding);
    const attempts: [Uint8Array, Uint8Array, typeof binding][] = [
      [sealed, new Uint8Array(32).fill(8), binding],
      [sealed, prf, { ...binding, accountId: 'acc_2' }],
      [sealed, prf, { ...binding, credentialId: 'Y3JlZGVudGlhbC0y' }],
    ];
    for (const [bytes, output, bound] of attempts) {
      expect(codeOf(() => openAccountKey(sodium, bytes, output, bound))).toBe('DECRYPT_FAILED');
    }
    for (let i = 0; i < sealed.length; i++) {
      const changed = sealed.slice();
      changed[i] = (changed[i] ?? 0) ^ 0x80;
      expect(codeOf(() => openAccountKey(sodium, changed, prf, binding))).not.toBe('accepted');
    }
    expect(codeOf(() => openAccountKey(sodium, sealed.subarray(0, 73), prf, binding))).toBe(
      'MALFORMED',
    );
  });

  it('refuses a PRF output that is not 32 bytes and a secret key that does not match its half', () => {
    const account = generateAccountKey(sodium);
    expect(
      codeOf(() => sealAccountKey(sodium, account.secretKey, new Uint8Array(31), binding)),
    ).toBe('MALFORMED');
    const mixed = Uint8Array.from([
      ...account.secretKey.subarray(0, 32),
      ...generateAccountKey(sodium).publicKey,
    ]);
    expect(codeOf(() => sealAccountKey(sodium, mixed, prf, binding))).toBe('MALFORMED');
  });

  it('uses a fresh nonce each time', () => {
    const account = generateAccountKey(sodium);
    const a = sealAccountKey(sodium, account.secretKey, prf, binding);
    const b = sealAccountKey(sodium, account.secretKey, prf, binding);
    expect(a).not.toEqual(b);
  });
});
