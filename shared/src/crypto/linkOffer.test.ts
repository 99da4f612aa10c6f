import sodium from 'libsodium-wrappers';
import { beforeAll, describe, expect, it } from 'vitest';
import { confirmLinkCode } from './confirmLinkCode.js';
import { createLinkOffer, LINK_CODE_ALPHABET } from './createLinkOffer.js';
import { CryptoError } from './CryptoError.js';
import { decodeLinkOffer } from './decodeLinkOffer.js';
import { generateIdentityKeyPair } from './generateIdentityKeyPair.js';
import { publicIdentity } from './keyTypes.js';

beforeAll(async () => {
  await sodium.ready;
});

describe('linking a device by QR code or typed code', () => {
  it('gives a 16-character code that the existing device recomputes from the offer it receives', () => {
    const offer = createLinkOffer(
      sodium,
      'newDevice1',
      publicIdentity(generateIdentityKeyPair(sodium)),
    );
    expect(offer.code).toMatch(new RegExp(`^[${LINK_CODE_ALPHABET}]{16}$`));
    const received = decodeLinkOffer(sodium, offer.bytes);
    expect(received).toEqual(offer);
    expect(confirmLinkCode(received, offer.code)).toBe(true);
    const spaced = `${offer.code.slice(0, 4)} ${offer.code.slice(4, 8)}-${offer.code.slice(8)}`;
    expect(confirmLinkCode(received, spaced.toLowerCase())).toBe(true);
  });

  it("refuses the code of one offer for another device's offer, and a wrong or short code", () => {
    const mine = createLinkOffer(
      sodium,
      'newDevice1',
      publicIdentity(generateIdentityKeyPair(sodium)),
    );
    const relays = createLinkOffer(
      sodium,
      'newDevice1',
      publicIdentity(generateIdentityKeyPair(sodium)),
    );
    expect(confirmLinkCode(decodeLinkOffer(sodium, relays.bytes), mine.code)).toBe(false);
    expect(confirmLinkCode(mine, mine.code.slice(0, 15))).toBe(false);
    expect(confirmLinkCode(mine, '')).toBe(false);
  });

  it('refuses an offer whose DH key is not signed by its identity key, or with trailing bytes', () => {
    const identity = publicIdentity(generateIdentityKeyPair(sodium));
    const other = publicIdentity(generateIdentityKeyPair(sodium));
    const forged = createLinkOffer(sodium, 'dev1', { ...identity, dhPublicKey: other.dhPublicKey });
    expect(() => decodeLinkOffer(sodium, forged.bytes)).toThrow(
      expect.objectContaining({ code: 'BAD_SIGNATURE' }),
    );
    const good = createLinkOffer(sodium, 'dev1', identity);
    expect(() => decodeLinkOffer(sodium, Uint8Array.from([...good.bytes, 0]))).toThrow(CryptoError);
  });
});
