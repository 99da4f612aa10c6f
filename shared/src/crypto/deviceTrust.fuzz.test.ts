import fc from 'fast-check';
import sodium from 'libsodium-wrappers';
import { beforeAll, describe, expect, it } from 'vitest';
import { fuzzRuns, fuzzTarget, FUZZ_SEED, mutatedBytes } from '../../test/fuzzing.js';
import { computeAccountSafetyNumber, verifyAccountSafetyNumberQr } from './accountSafetyNumber.js';
import { certifyDevice } from './certifyDevice.js';
import { confirmLinkCode } from './confirmLinkCode.js';
import { createLinkOffer, type LinkOffer } from './createLinkOffer.js';
import { CryptoError } from './CryptoError.js';
import { decodeLinkOffer } from './decodeLinkOffer.js';
import { generateAccountKey, type AccountKeyPair } from './generateAccountKey.js';
import { generateIdentityKeyPair } from './generateIdentityKeyPair.js';
import { publicIdentity } from './keyTypes.js';
import { openAccountKey } from './openAccountKey.js';
import { sealAccountKey } from './sealAccountKey.js';
import { signDeviceList } from './signDeviceList.js';
import { verifyDeviceCertificate } from './verifyDeviceCertificate.js';
import { verifyDeviceList } from './verifyDeviceList.js';

/*
 * Device-trust objects (PROTOCOL.md §1.15) under change: any single changed byte of a
 * certificate, a device list or a sealed account key is refused with a code (never accepted),
 * and the verifiers, given mutated or arbitrary bytes, throw nothing but a CryptoError.
 * FUZZ_SEED fixes the inputs; FUZZ_RUNS raises the count.
 */
const RUNS = fuzzRuns(1000);
const TIMEOUT_MS = 30_000 + RUNS * 10;

const cryptoCode = (error: unknown) => (error instanceof CryptoError ? error.code : undefined);

/** One byte of `bytes` xored with a non-zero value: every single-byte change, uniformly. */
const oneByteChange = (bytes: Uint8Array) =>
  fc.tuple(fc.nat(bytes.length - 1), fc.integer({ min: 1, max: 255 })).map(([at, xor]) => {
    const changed = bytes.slice();
    changed[at] = (changed[at] ?? 0) ^ xor;
    return changed;
  });

/** The code a refusal had, or 'accepted' when the operation returned. Other throws propagate. */
function outcome(run: () => unknown): string {
  try {
    run();
    return 'accepted';
  } catch (error) {
    if (error instanceof CryptoError) return error.code;
    throw error;
  }
}

const binding = { accountId: 'accAlice', credentialId: 'Y3JlZC1hbGljZQ' };
const prf = new Uint8Array(32).fill(9);

describe('device-trust objects under single-byte changes and fuzzing', () => {
  let account: AccountKeyPair;
  let certificate: Uint8Array;
  let list: Uint8Array;
  let sealed: Uint8Array;
  let offer: LinkOffer;

  beforeAll(async () => {
    await sodium.ready;
    account = generateAccountKey(sodium);
    const identity = generateIdentityKeyPair(sodium);
    const certified = certifyDevice(sodium, account.secretKey, {
      deviceId: 'phone1',
      signingPublicKey: identity.signingPublicKey,
      dhPublicKey: identity.dhPublicKey,
      createdAt: 1_767_225_600_000,
    });
    certificate = certified.bytes;
    list = signDeviceList(sodium, account.secretKey, {
      handle: 'alice',
      version: 7,
      issuedAt: 1_767_225_600_000,
      devices: [
        { deviceId: 'phone1', certificateHash: certified.hash },
        { deviceId: 'laptop2', certificateHash: new Uint8Array(32).fill(2) },
      ],
    }).bytes;
    sealed = sealAccountKey(sodium, account.secretKey, prf, binding);
    offer = createLinkOffer(sodium, 'phone1', publicIdentity(identity));
  });

  it('refuses every single-byte change to a certificate, a device list or a sealed key', () => {
    const property = (bytes: Uint8Array, verify: (changed: Uint8Array) => unknown) => {
      fc.assert(
        fc.property(
          oneByteChange(bytes),
          (changed) => outcome(() => verify(changed)) !== 'accepted',
        ),
        { seed: FUZZ_SEED, numRuns: RUNS },
      );
    };
    property(certificate, (b) => verifyDeviceCertificate(sodium, account.publicKey, b));
    property(list, (b) => verifyDeviceList(sodium, account.publicKey, b, { handle: 'alice' }));
    property(sealed, (b) => openAccountKey(sodium, b, prf, binding));
  });

  it('a changed link offer is refused or no longer matches the code shown', () => {
    fc.assert(
      fc.property(oneByteChange(offer.bytes), (changed) => {
        let received: LinkOffer | undefined;
        const code = outcome(() => (received = decodeLinkOffer(sodium, changed)));
        return (
          code !== 'accepted' || (received !== undefined && !confirmLinkCode(received, offer.code))
        );
      }),
      // Each accepted offer costs an iterated hash: fewer runs.
      { seed: FUZZ_SEED, numRuns: Math.max(50, Math.floor(RUNS / 10)) },
    );
  });

  it(
    'verifiers throw only coded errors on mutated and arbitrary input',
    async () => {
      const input = fc.oneof(
        { arbitrary: mutatedBytes([certificate, list, sealed]), weight: 6 },
        { arbitrary: fc.uint8Array({ maxLength: 600 }), weight: 1 },
      );
      const safety = computeAccountSafetyNumber(
        sodium,
        { handle: 'alice', accountPublicKey: account.publicKey },
        { handle: 'bob', accountPublicKey: generateAccountKey(sodium).publicKey },
      );
      await fuzzTarget({
        target: 'device-trust verifiers',
        input: fc.tuple(input, fc.nat(3)),
        run: ([bytes, which]) => {
          switch (which) {
            case 0:
              return verifyDeviceCertificate(sodium, account.publicKey, bytes);
            case 1:
              return verifyDeviceList(sodium, account.publicKey, bytes, {
                handle: 'alice',
                newerThan: 1,
              });
            case 2:
              return openAccountKey(sodium, bytes, prf, binding);
            default:
              return verifyAccountSafetyNumberQr(safety, bytes);
          }
        },
        codeOf: cryptoCode,
        runs: RUNS,
      });
      // Link offers: mutations whose signature survives pay for the iterated code hash.
      await fuzzTarget({
        target: 'decodeLinkOffer',
        input: mutatedBytes([offer.bytes]),
        run: (bytes) => decodeLinkOffer(sodium, bytes),
        codeOf: cryptoCode,
        runs: Math.max(50, Math.floor(RUNS / 10)),
      });
      expect(verifyDeviceList(sodium, account.publicKey, list, { handle: 'alice' }).version).toBe(
        7,
      );
    },
    TIMEOUT_MS,
  );
});
