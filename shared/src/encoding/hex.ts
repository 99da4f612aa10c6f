import { EncodingError } from './EncodingError.js';

const DIGITS = '0123456789abcdef';

/** Lower-case hex, two digits a byte. */
export function encodeHex(bytes: Uint8Array): string {
  let out = '';
  for (const byte of bytes) out += DIGITS.charAt(byte >>> 4) + DIGITS.charAt(byte & 15);
  return out;
}

function digit(code: number): number {
  if (code >= 48 && code <= 57) return code - 48; // 0-9
  if (code >= 97 && code <= 102) return code - 87; // a-f
  return -1;
}

/**
 * Bytes of lower-case hex. Strict, so each value has one spelling: upper case, an odd length or
 * any other character throws an {@link EncodingError}.
 */
export function decodeHex(text: string): Uint8Array<ArrayBuffer> {
  if (text.length % 2 !== 0) throw new EncodingError('INVALID_LENGTH', 'hex of odd length');
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) {
    const high = digit(text.charCodeAt(2 * i));
    const low = digit(text.charCodeAt(2 * i + 1));
    if (high < 0 || low < 0) {
      throw new EncodingError('INVALID_CHARACTER', 'hex has a character outside 0-9a-f');
    }
    out[i] = (high << 4) | low;
  }
  return out;
}
