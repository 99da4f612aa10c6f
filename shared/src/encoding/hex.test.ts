import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EncodingError } from './EncodingError.js';
import { decodeHex, encodeHex } from './hex.js';

const codeOf = (text: string) => {
  try {
    decodeHex(text);
  } catch (error) {
    return error instanceof EncodingError ? error.code : 'not an EncodingError';
  }
  return 'accepted';
};

describe('hex', () => {
  it("matches Node's lower-case hex and round-trips", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), (bytes) => {
        const text = encodeHex(bytes);
        expect(text).toBe(Buffer.from(bytes).toString('hex'));
        expect(decodeHex(text)).toEqual(bytes);
      }),
    );
  });

  it.each([
    ['an odd length', 'abc', 'INVALID_LENGTH'],
    ['upper case', 'AB', 'INVALID_CHARACTER'],
    ['a letter beyond f', '0g', 'INVALID_CHARACTER'],
    ['a sign parseInt would take', '+1', 'INVALID_CHARACTER'],
    ['whitespace', ' 1', 'INVALID_CHARACTER'],
  ])('refuses %s', (_name, text, code) => {
    expect(codeOf(text)).toBe(code);
  });

  it('accepts only what it encodes', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 8 }), (text) => {
        const code = codeOf(text);
        if (code === 'accepted') expect(encodeHex(decodeHex(text))).toBe(text);
        else expect(code).not.toBe('not an EncodingError');
      }),
    );
  });

  it('reads the empty string as zero bytes', () => {
    expect(decodeHex('')).toEqual(new Uint8Array(0));
  });
});
