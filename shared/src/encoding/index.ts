/** Bytes as text, strictly: one spelling per value, and a coded error for anything else. */
export { EncodingError, type EncodingErrorCode } from './EncodingError.js';
export { decodeHex, encodeHex } from './hex.js';
export { decodeBase64, decodeBase64Url, encodeBase64, encodeBase64Url } from './base64.js';
