import sodium from 'libsodium-wrappers';
import { beforeAll, describe, expect, it } from 'vitest';
import { compareIdentityKeys, computeSafetyNumber, verifySafetyNumberQr } from './safetyNumber.js';

beforeAll(async () => {
  await sodium.ready;
});

const key = (n: number) => sodium.crypto_sign_seed_keypair(new Uint8Array(32).fill(n)).publicKey;

describe('safety numbers', () => {
  const alice = { accountId: 'alice', identityKeys: [key(1), key(2)] };
  const bob = { accountId: 'bob', identityKeys: [key(3)] };

  it('is 60 digits, the same from both sides and in any key order', () => {
    const fromAlice = computeSafetyNumber(sodium, alice, bob);
    const fromBob = computeSafetyNumber(sodium, bob, { ...alice, identityKeys: [key(2), key(1)] });
    expect(fromAlice.digits).toMatch(/^\d{60}$/);
    expect(fromBob.digits).toBe(fromAlice.digits);
    expect(fromBob.qrPayload).toEqual(fromAlice.qrPayload);
    expect(fromAlice.qrPayload.length).toBe(61);
    expect(verifySafetyNumberQr(fromAlice, fromBob.qrPayload)).toBe(true);
  });

  it('changes when any device identity key of either account changes, or a device is added', () => {
    const base = computeSafetyNumber(sodium, alice, bob);
    const variants = [
      computeSafetyNumber(sodium, { ...alice, identityKeys: [key(1), key(4)] }, bob),
      computeSafetyNumber(sodium, alice, { ...bob, identityKeys: [key(5)] }),
      computeSafetyNumber(sodium, alice, { ...bob, identityKeys: [key(3), key(6)] }),
      computeSafetyNumber(sodium, alice, { ...bob, accountId: 'bob2' }),
    ];
    for (const variant of variants) {
      expect(variant.digits).not.toBe(base.digits);
      expect(verifySafetyNumberQr(base, variant.qrPayload)).toBe(false);
    }
  });

  it('reports added, removed and changed identity keys', () => {
    const known = new Map([
      ['bob.1', key(3)],
      ['bob.2', key(4)],
    ]);
    const presented = new Map([
      ['bob.1', key(3)],
      ['bob.2', key(9)],
      ['bob.3', key(5)],
    ]);
    expect(compareIdentityKeys(known, known)).toEqual([]);
    const changes = compareIdentityKeys(known, presented);
    expect(changes.map((c) => `${c.kind}:${c.address}`).sort()).toEqual([
      'added:bob.3',
      'changed:bob.2',
    ]);
    expect(compareIdentityKeys(known, new Map([['bob.1', key(3)]]))).toEqual([
      { kind: 'removed', address: 'bob.2', previousKey: key(4) },
    ]);
  });
});
