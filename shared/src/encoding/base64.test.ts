import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeBase64, decodeBase64Url, encodeBase64, encodeBase64Url } from './base64.js';
import { EncodingError } from './EncodingError.js';

const codeOf = (decode: () => unknown) => {
  try {
    decode();
  } catch (error) {
    return error instanceof EncodingError ? error.code : 'not an EncodingError';
  }
  return 'accepted';
};

describe('base64', () => {
  it('matches the standard encoding and round-trips', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), (bytes) => {
        const text = encodeBase64(bytes);
        expect(text).toBe(Buffer.from(bytes).toString('base64'));
        expect(decodeBase64(text)).toEqual(bytes);
      }),
    );
  });

  it.each([
    ['missing padding', 'AAE', 'NON_CANONICAL'],
    ['a length no bytes encode to', 'AAAAA', 'INVALID_LENGTH'],
    ['non-zero unused bits', 'AAF=', 'NON_CANONICAL'],
    ['non-zero unused bits, two pads', 'AB==', 'NON_CANONICAL'],
    ['URL-safe alphabet', 'A-_A', 'INVALID_CHARACTER'],
    ['whitespace', 'AAAA AAA', 'INVALID_CHARACTER'],
    ['newline', 'AAA\n', 'INVALID_CHARACTER'],
    ['a character beyond ASCII', 'AAA\u00e9', 'INVALID_CHARACTER'],
    ['padding in the middle', 'AA==AAAA', 'NON_CANONICAL'],
    ['too much padding', 'A===', 'NON_CANONICAL'],
  ])('refuses %s', (_name, text, code) => {
    expect(codeOf(() => decodeBase64(text))).toBe(code);
  });

  it('accepts only what it encodes', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 12 }), (text) => {
        let bytes: Uint8Array;
        try {
          bytes = decodeBase64(text);
        } catch (error) {
          expect(error).toBeInstanceOf(EncodingError);
          return;
        }
        expect(encodeBase64(bytes)).toBe(text);
      }),
    );
  });

  it('accepts the empty string as zero bytes', () => {
    expect(decodeBase64('')).toEqual(new Uint8Array(0));
  });
});

describe('base64url', () => {
  it("matches Node's unpadded base64url and round-trips", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), (bytes) => {
        const text = encodeBase64Url(bytes);
        expect(text).toBe(Buffer.from(bytes).toString('base64url'));
        expect(decodeBase64Url(text)).toEqual(bytes);
      }),
    );
  });

  it.each([
    ['padding', 'AAE=', 'NON_CANONICAL'],
    ['a length no bytes encode to', 'AAAAA', 'INVALID_LENGTH'],
    ['non-zero unused bits', 'AAF', 'NON_CANONICAL'],
    ['the standard alphabet', 'A+/A', 'INVALID_CHARACTER'],
  ])('refuses %s', (_name, text, code) => {
    expect(codeOf(() => decodeBase64Url(text))).toBe(code);
  });

  it('accepts only what it encodes', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 12 }), (text) => {
        let bytes: Uint8Array;
        try {
          bytes = decodeBase64Url(text);
        } catch (error) {
          expect(error).toBeInstanceOf(EncodingError);
          return;
        }
        expect(encodeBase64Url(bytes)).toBe(text);
      }),
    );
  });
});
