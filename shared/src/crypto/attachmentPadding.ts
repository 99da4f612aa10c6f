import {
  ATTACHMENT_CHUNK_BYTES,
  ATTACHMENT_CHUNK_OVERHEAD,
  ATTACHMENT_HEADER_BYTES,
  ATTACHMENT_MIN_PADDED_BYTES,
  MAX_ATTACHMENT_BYTES,
} from './attachmentLabels.js';
import { CryptoError } from './CryptoError.js';

/** floor(log2(n)) for a whole n ≥ 1, exact for any safe integer (no 32-bit bit operations). */
function floorLog2(n: number): number {
  let e = 0;
  while (2 ** (e + 1) <= n) e++;
  return e;
}

/**
 * PROTOCOL.md §1.16.2: the padded plaintext length, Padmé (Nikitin et al., "Reducing Metadata
 * Leakage from Encrypted Files and Communication with PURBs", PETS 2019) of max(size, 256).
 * Padmé keeps the top ⌊log2 E⌋+1 bits of a length of E+1 bits and rounds the rest up, so a length
 * leaks O(log log size) bits and the overhead stays under 12 % (under 3 % above 1 MiB).
 */
export function paddedAttachmentLength(size: number): number {
  if (!Number.isSafeInteger(size) || size < 0 || size > MAX_ATTACHMENT_BYTES) {
    throw new CryptoError(
      'PAYLOAD_TOO_LARGE',
      `an attachment is at most ${MAX_ATTACHMENT_BYTES} bytes`,
    );
  }
  const length = Math.max(size, ATTACHMENT_MIN_PADDED_BYTES);
  const e = floorLog2(length);
  const s = floorLog2(e) + 1;
  const step = 2 ** (e - s);
  return Math.ceil(length / step) * step;
}

/** §1.16.1 Number of secretstream chunks of an attachment of this size (at least one). */
export function attachmentChunkCount(size: number): number {
  return Math.ceil(paddedAttachmentLength(size) / ATTACHMENT_CHUNK_BYTES);
}

/** §1.16.1 Exact ciphertext length, what the relay stores: header ‖ chunks, each with its tag. */
export function attachmentCiphertextLength(size: number): number {
  return (
    ATTACHMENT_HEADER_BYTES +
    paddedAttachmentLength(size) +
    attachmentChunkCount(size) * ATTACHMENT_CHUNK_OVERHEAD
  );
}
