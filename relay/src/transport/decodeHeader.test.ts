import { describe, expect, it } from 'vitest';
import { decodeHeader } from './decodeHeader.js';

/** A header value as uWS gives it: each byte of the UTF-8 text as one character. */
const asUws = (text: string) => Buffer.from(text, 'utf8').toString('latin1');

describe('decodeHeader', () => {
  it('reads header bytes as UTF-8', () => {
    expect(decodeHeader(asUws('Mozilla/5.0 Café/1.0 ✓ x'))).toBe('Mozilla/5.0 Café/1.0 ✓ x');
  });

  it('leaves ASCII as it is', () => {
    expect(decodeHeader('Mozilla/5.0 (X11; Linux x86_64)')).toBe('Mozilla/5.0 (X11; Linux x86_64)');
  });

  it('turns bytes that are not UTF-8 into replacement characters', () => {
    expect(decodeHeader('caf\u00e9 x')).toBe('caf\uFFFD x');
  });
});
