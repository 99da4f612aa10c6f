import { sha256 } from '@noble/hashes/sha2.js';

/** The root of the empty tree: SHA-256 of the empty string (RFC 9162 §2.1.1, MTH({})). */
export function emptyRoot(): Uint8Array {
  return sha256(new Uint8Array(0));
}
