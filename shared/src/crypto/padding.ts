import { CryptoError } from './CryptoError.js';
import { MAX_PADDED_LENGTH, PADDING_BUCKETS } from './labels.js';

/** The bucket (§1.8.1) that content of this length pads to; PAYLOAD_TOO_LARGE above the last. */
export function paddedLength(contentLength: number): number {
  for (const size of PADDING_BUCKETS) if (size >= contentLength + 1) return size;
  throw new CryptoError('PAYLOAD_TOO_LARGE', `content exceeds ${MAX_PADDED_LENGTH - 1} bytes`);
}

/**
 * PROTOCOL.md §1.8.1: content || 0x80 || 0x00…, to the smallest bucket that fits, so an observer
 * learns only the bucket. Buckets are powers of two from 256 B to 64 KiB.
 */
export function padPlaintext(content: Uint8Array): Uint8Array {
  const out = new Uint8Array(paddedLength(content.length));
  out.set(content);
  out[content.length] = 0x80;
  return out;
}

/** Inverse of padPlaintext; throws MALFORMED unless the length is a bucket and the padding is exact. */
export function unpadPlaintext(padded: Uint8Array): Uint8Array {
  // A view, not a copy: `padded` is the fresh output of the AEAD and belongs to the caller.
  return padded.subarray(0, unpaddedLength(padded));
}

/** The length of the content inside `padded`, with unpadPlaintext's checks and errors. */
export function unpaddedLength(padded: Uint8Array): number {
  if (!(PADDING_BUCKETS as readonly number[]).includes(padded.length)) {
    throw new CryptoError('MALFORMED', 'padded plaintext length is not a bucket size');
  }
  let end = padded.length - 1;
  while (end >= 0 && padded[end] === 0) end--;
  if (end < 0 || padded[end] !== 0x80) throw new CryptoError('MALFORMED', 'padding is malformed');
  return end;
}
