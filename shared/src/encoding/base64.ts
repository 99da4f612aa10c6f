import { EncodingError } from './EncodingError.js';

/**
 * Base64 (RFC 4648 §4, padded) and base64url (§5, unpadded, as WebAuthn uses it). Decoding is
 * strict: only the encoder's own output is accepted (padding exactly as §4 wants it, unused bits
 * zero, no whitespace), so each value has one text form and a signed text cannot be re-encoded.
 */

const STANDARD = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const URL_SAFE = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

function lookupOf(alphabet: string): Int8Array {
  const table = new Int8Array(128).fill(-1);
  for (let i = 0; i < alphabet.length; i++) table[alphabet.charCodeAt(i)] = i;
  return table;
}
const STANDARD_LOOKUP = lookupOf(STANDARD);
const URL_SAFE_LOOKUP = lookupOf(URL_SAFE);

function encode(bytes: Uint8Array, alphabet: string, pad: boolean): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const n = ((bytes[i] ?? 0) << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    out += alphabet.charAt((n >>> 18) & 63) + alphabet.charAt((n >>> 12) & 63);
    if (i + 1 < bytes.length) out += alphabet.charAt((n >>> 6) & 63);
    else if (pad) out += '=';
    if (i + 2 < bytes.length) out += alphabet.charAt(n & 63);
    else if (pad) out += '=';
  }
  return out;
}

/** Decodes `digits` characters (no padding) of `text`, which holds `length` bytes. */
function decodeDigits(
  text: string,
  digits: number,
  length: number,
  lookup: Int8Array,
  what: string,
): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(length);
  let o = 0;
  let n = 0;
  let bits = 0;
  for (let i = 0; i < digits; i++) {
    const code = text.charCodeAt(i);
    const value = code < 128 ? (lookup[code] ?? -1) : -1;
    if (value < 0) {
      throw new EncodingError(
        text.charAt(i) === '=' ? 'NON_CANONICAL' : 'INVALID_CHARACTER',
        text.charAt(i) === '='
          ? `${what} has padding inside`
          : `${what} has a character outside its alphabet`,
      );
    }
    n = ((n << 6) | value) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (n >>> bits) & 0xff;
    }
  }
  // Unused bits set would give a second spelling of the same bytes.
  if ((n & ((1 << bits) - 1)) !== 0) {
    throw new EncodingError('NON_CANONICAL', `${what} has unused bits set`);
  }
  return out;
}

/** Standard base64 with padding. */
export function encodeBase64(bytes: Uint8Array): string {
  return encode(bytes, STANDARD, true);
}

/** Bytes of canonical padded base64; anything else throws an {@link EncodingError}. */
export function decodeBase64(text: string): Uint8Array<ArrayBuffer> {
  if (text.length % 4 === 1) {
    throw new EncodingError('INVALID_LENGTH', 'base64 of a length no bytes encode to');
  }
  if (text.length % 4 !== 0) throw new EncodingError('NON_CANONICAL', 'base64 without its padding');
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  const digits = text.length - padding;
  if (padding === 2 && text.endsWith('===')) {
    throw new EncodingError('NON_CANONICAL', 'base64 has more than two padding characters');
  }
  return decodeDigits(text, digits, (text.length / 4) * 3 - padding, STANDARD_LOOKUP, 'base64');
}

/** URL-safe base64 without padding. */
export function encodeBase64Url(bytes: Uint8Array): string {
  return encode(bytes, URL_SAFE, false);
}

/** Bytes of canonical unpadded base64url; anything else throws an {@link EncodingError}. */
export function decodeBase64Url(text: string): Uint8Array<ArrayBuffer> {
  if (text.length % 4 === 1) {
    throw new EncodingError('INVALID_LENGTH', 'base64url of a length no bytes encode to');
  }
  const length = Math.floor((text.length * 3) / 4);
  return decodeDigits(text, text.length, length, URL_SAFE_LOOKUP, 'base64url');
}
