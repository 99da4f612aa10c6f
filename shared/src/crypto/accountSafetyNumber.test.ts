import sodium from 'libsodium-wrappers';
import { beforeAll, describe, expect, it } from 'vitest';
import { computeAccountSafetyNumber, verifyAccountSafetyNumberQr } from './accountSafetyNumber.js';
import { isCryptoError } from './CryptoError.js';
import { computeSafetyNumber } from './safetyNumber.js';

beforeAll(async () => {
  await sodium.ready;
});

const key = (n: number) => sodium.crypto_sign_seed_keypair(new Uint8Array(32).fill(n)).publicKey;

describe('account safety numbers', () => {
  const alice = { handle: 'alice', accountPublicKey: key(1) };
  const bob = { handle: 'bob', accountPublicKey: key(2) };

  it('is 60 digits and a 65-byte code, the same from both sides and for any handle case', () => {
    const fromAlice = computeAccountSafetyNumber(sodium, alice, bob);
    const fromBob = computeAccountSafetyNumber(sodium, { ...bob, handle: 'Bob' }, alice);
    expect(fromAlice.digits).toMatch(/^\d{60}$/);
    expect(fromBob).toEqual(fromAlice);
    expect(fromAlice.qrPayload.length).toBe(65);
    expect(fromAlice.qrPayload[0]).toBe(2);
    expect(verifyAccountSafetyNumberQr(fromAlice, fromBob.qrPayload)).toBe(true);
  });

  it('changes with either account key or handle, never with the devices', () => {
    const base = computeAccountSafetyNumber(sodium, alice, bob);
    const variants = [
      computeAccountSafetyNumber(sodium, { ...alice, accountPublicKey: key(3) }, bob),
      computeAccountSafetyNumber(sodium, alice, { ...bob, accountPublicKey: key(3) }),
      computeAccountSafetyNumber(sodium, alice, { ...bob, handle: 'bob2' }),
    ];
    for (const variant of variants) {
      expect(variant.digits).not.toBe(base.digits);
      expect(verifyAccountSafetyNumberQr(base, variant.qrPayload)).toBe(false);
    }
  });

  it('refuses a scanned code of the superseded device-set format with UNSUPPORTED_VERSION', () => {
    const ours = computeAccountSafetyNumber(sodium, alice, bob);
    const old = computeSafetyNumber(
      sodium,
      { accountId: 'alice', identityKeys: [key(4)] },
      { accountId: 'bob', identityKeys: [key(5)] },
    );
    expect(() => verifyAccountSafetyNumberQr(ours, old.qrPayload)).toThrow(
      expect.objectContaining({ code: 'UNSUPPORTED_VERSION' }),
    );
    for (const scanned of [new Uint8Array(0), Uint8Array.of(2), ours.qrPayload.subarray(0, 64)]) {
      let caught: unknown;
      try {
        verifyAccountSafetyNumberQr(ours, scanned);
      } catch (error) {
        caught = error;
      }
      expect(isCryptoError(caught), String(scanned.length)).toBe(true);
    }
  });

  it('refuses an account key of the wrong length or an invalid handle', () => {
    expect(() =>
      computeAccountSafetyNumber(sodium, { ...alice, accountPublicKey: new Uint8Array(31) }, bob),
    ).toThrow(expect.objectContaining({ code: 'MALFORMED' }));
    expect(() => computeAccountSafetyNumber(sodium, { ...alice, handle: '' }, bob)).toThrow(
      expect.objectContaining({ code: 'MALFORMED' }),
    );
  });
});
