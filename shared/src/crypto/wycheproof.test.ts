import { readFileSync } from 'node:fs';
import sodium from 'libsodium-wrappers';
import { beforeAll, describe, expect, it } from 'vitest';
import { CryptoError } from './CryptoError.js';
import { diffieHellman } from './diffieHellman.js';

/*
 * Project Wycheproof vectors run through the very libsodium-wrappers calls the protocol makes
 * (our diffieHellman wrapper for X25519, the raw calls elsewhere). ML-KEM-768: libsodium 1.0.22
 * exposes seed keygen, deterministic encapsulation and decapsulation, so keygen (seed → ek),
 * decapsulation (c → K, including implicit rejection) and encapsulation (m → c, K; modulus
 * check of the encapsulation key) are all tested. X-Wing has no Wycheproof file; its ML-KEM and
 * X25519 halves are covered here and our own KATs pin its outputs.
 */

const dir = new URL('../../test-vectors/wycheproof/', import.meta.url);

interface Group<T> {
  readonly tests: readonly T[];
}
interface File<G> {
  readonly numberOfTests: number;
  readonly testGroups: readonly G[];
}
function load<G>(name: string): File<G> {
  return JSON.parse(readFileSync(new URL(name, dir), 'utf8')) as File<G>;
}
const hex = (value: string): Uint8Array => sodium.from_hex(value);
const toHex = (value: Uint8Array): string => sodium.to_hex(value);
function count<G extends Group<unknown>>(file: File<G>): number {
  return file.testGroups.reduce((n, group) => n + group.tests.length, 0);
}

beforeAll(async () => {
  await sodium.ready;
});

describe('Wycheproof X25519 through diffieHellman', () => {
  interface T {
    tcId: number;
    public: string;
    private: string;
    shared: string;
    result: string;
  }
  const file = load<Group<T>>('x25519_test.json');

  it('computes every shared secret and refuses exactly the all-zero ones as LOW_ORDER_KEY', () => {
    let zero = 0;
    let computed = 0;
    for (const test of file.testGroups.flatMap((g) => g.tests)) {
      if (/^0+$/.test(test.shared)) {
        zero++;
        let error: unknown;
        try {
          diffieHellman(sodium, hex(test.private), hex(test.public));
        } catch (e) {
          error = e;
        }
        expect(error, `tcId ${test.tcId}`).toBeInstanceOf(CryptoError);
        expect((error as CryptoError).code).toBe('LOW_ORDER_KEY');
      } else {
        computed++;
        expect(
          toHex(diffieHellman(sodium, hex(test.private), hex(test.public))),
          `tcId ${test.tcId}`,
        ).toBe(test.shared);
      }
    }
    expect(zero + computed).toBe(file.numberOfTests);
    expect(zero).toBeGreaterThan(30);
  });
});

describe('Wycheproof Ed25519 through crypto_sign_verify_detached', () => {
  interface T {
    tcId: number;
    msg: string;
    sig: string;
    result: string;
  }
  const file = load<Group<T> & { publicKey: { pk: string } }>('ed25519_test.json');

  it('accepts every valid signature and rejects every invalid one', () => {
    let n = 0;
    for (const group of file.testGroups) {
      for (const test of group.tests) {
        n++;
        let valid: boolean;
        try {
          valid = sodium.crypto_sign_verify_detached(
            hex(test.sig),
            hex(test.msg),
            hex(group.publicKey.pk),
          );
        } catch {
          valid = false;
        }
        expect(valid, `tcId ${test.tcId}`).toBe(test.result === 'valid');
      }
    }
    expect(n).toBe(file.numberOfTests);
  });
});

describe('Wycheproof XChaCha20-Poly1305 through the IETF AEAD calls', () => {
  interface T {
    tcId: number;
    key: string;
    iv: string;
    aad: string;
    msg: string;
    ct: string;
    tag: string;
    result: string;
  }
  const file = load<Group<T>>('xchacha20_poly1305_test.json');

  it('encrypts valid vectors exactly, and decryption accepts exactly the valid ones', () => {
    let n = 0;
    for (const test of file.testGroups.flatMap((g) => g.tests)) {
      n++;
      const key = hex(test.key);
      const nonce = hex(test.iv);
      const sealed = hex(test.ct + test.tag);
      if (test.result === 'valid') {
        const out = sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(
          hex(test.msg),
          hex(test.aad),
          null,
          nonce,
          key,
        );
        expect(toHex(out), `tcId ${test.tcId}`).toBe(test.ct + test.tag);
      }
      let opened: Uint8Array | null;
      try {
        opened = sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(
          null,
          sealed,
          hex(test.aad),
          nonce,
          key,
        );
      } catch {
        opened = null;
      }
      if (test.result === 'valid')
        expect(opened && toHex(opened), `tcId ${test.tcId}`).toBe(test.msg);
      else expect(opened, `tcId ${test.tcId}`).toBeNull();
    }
    expect(n).toBe(file.numberOfTests);
  });
});

describe('Wycheproof ML-KEM-768 through crypto_kem_mlkem768_*', () => {
  interface T {
    tcId: number;
    seed: string;
    ek: string;
    c: string;
    K: string;
    result: string;
  }
  interface E {
    tcId: number;
    m: string;
    ek: string;
    c: string;
    K: string;
    result: string;
  }
  const decaps = load<Group<T>>('mlkem_768_test.json');
  const encaps = load<Group<E>>('mlkem_768_encaps_test.json');

  it('derives ek from the seed and decapsulates K (implicit rejection included); refuses bad lengths', () => {
    let valid = 0;
    for (const test of decaps.testGroups.flatMap((g) => g.tests)) {
      let result: { ek: string; K: string } | null;
      try {
        const pair = sodium.crypto_kem_mlkem768_seed_keypair(hex(test.seed));
        result = {
          ek: toHex(pair.publicKey),
          K: toHex(sodium.crypto_kem_mlkem768_dec(hex(test.c), pair.privateKey)),
        };
      } catch {
        result = null;
      }
      if (test.result === 'valid') {
        valid++;
        expect(result, `tcId ${test.tcId}`).toEqual({ ek: test.ek, K: test.K });
      } else {
        expect(result, `tcId ${test.tcId}`).toBeNull();
      }
    }
    expect(valid).toBe(153);
    expect(count(decaps)).toBe(decaps.numberOfTests);
  });

  it('encapsulates deterministically to the expected (c, K) and refuses invalid encapsulation keys', () => {
    let invalid = 0;
    for (const test of encaps.testGroups.flatMap((g) => g.tests)) {
      let result: { c: string; K: string } | null;
      try {
        const out = sodium.crypto_kem_mlkem768_enc_deterministic(hex(test.ek), hex(test.m));
        result = { c: toHex(out.ciphertext), K: toHex(out.sharedSecret) };
      } catch {
        result = null;
      }
      if (test.result === 'valid')
        expect(result, `tcId ${test.tcId}`).toEqual({ c: test.c, K: test.K });
      else {
        invalid++;
        expect(result, `tcId ${test.tcId}`).toBeNull();
      }
    }
    expect(invalid).toBe(132);
  });
});
