import { sha256 } from '@noble/hashes/sha2.js';
import { utf8ToBytes } from '@noble/hashes/utils.js';

import { ED25519_SIGNATURE_TYPE } from './constants.js';

/**
 * The key ID of an Ed25519 note key: the first four bytes, big-endian, of
 * SHA-256(key name || 0x0A || 0x01 || public key) (c2sp.org/signed-note, Ed25519 signatures).
 */
export function ed25519KeyId(name: string, publicKey: Uint8Array): number {
  const nameBytes = utf8ToBytes(name);
  const input = new Uint8Array(nameBytes.length + 2 + publicKey.length);
  input.set(nameBytes, 0);
  input[nameBytes.length] = 0x0a;
  input[nameBytes.length + 1] = ED25519_SIGNATURE_TYPE;
  input.set(publicKey, nameBytes.length + 2);
  const digest = sha256(input);
  return new DataView(digest.buffer, digest.byteOffset, 4).getUint32(0, false);
}
