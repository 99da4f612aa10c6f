import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { decodeBase64, encodeBase64 } from './base64.js';

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
    ['missing padding', 'AAE'],
    ['non-zero unused bits', 'AAF='],
    ['non-zero unused bits, two pads', 'AB=='],
    ['URL-safe alphabet', 'A-_A'],
    ['whitespace', 'AAAA AAAA'],
    ['newline', 'AAAA\n'],
    ['padding in the middle', 'AA==AAAA'],
    ['too much padding', 'A==='],
  ])('refuses %s', (_name, text) => {
    expect(decodeBase64(text)).toBeUndefined();
  });

  it('accepts the empty string as zero bytes', () => {
    expect(decodeBase64('')).toEqual(new Uint8Array(0));
  });
});
