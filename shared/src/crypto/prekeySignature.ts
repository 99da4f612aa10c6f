import type { Sodium } from './Sodium.js';
import { CryptoError } from './CryptoError.js';
import { ByteWriter, utf8 } from './bytes.js';
import { KEY_TYPE, LABELS, SIZES } from './labels.js';

export type PrekeyKind = keyof typeof KEY_TYPE;

/**
 * The signed message of PROTOCOL.md §1.4.1:
 *   u8(len(label)) || label || u8(key type) || u32(id) || public key
 * so a signature over one key can never be replayed as a signature over another kind of key,
 * another id, or some other message signed by the identity key.
 */
export function prekeySignatureMessage(
  kind: PrekeyKind,
  id: number,
  publicKey: Uint8Array,
): Uint8Array {
  const label = utf8(LABELS.prekeySignature);
  return new ByteWriter()
    .u8(label.length)
    .bytes(label)
    .u8(KEY_TYPE[kind])
    .u32(id)
    .bytes(publicKey)
    .finish();
}

export function signPrekey(
  sodium: Sodium,
  signingSecretKey: Uint8Array,
  kind: PrekeyKind,
  id: number,
  publicKey: Uint8Array,
): Uint8Array {
  return sodium.crypto_sign_detached(prekeySignatureMessage(kind, id, publicKey), signingSecretKey);
}

/** Throws BAD_SIGNATURE unless `signature` is the identity key's signature over this prekey. */
export function verifyPrekeySignature(
  sodium: Sodium,
  signingPublicKey: Uint8Array,
  kind: PrekeyKind,
  id: number,
  publicKey: Uint8Array,
  signature: Uint8Array,
): void {
  if (signature.length !== SIZES.signature || signingPublicKey.length !== SIZES.ed25519PublicKey) {
    throw new CryptoError(
      'BAD_SIGNATURE',
      `${kind} signature or identity key has the wrong length`,
    );
  }
  let valid = false;
  try {
    // libsodium also rejects small-order and non-canonical identity keys and R values here.
    valid = sodium.crypto_sign_verify_detached(
      signature,
      prekeySignatureMessage(kind, id, publicKey),
      signingPublicKey,
    );
  } catch {
    valid = false;
  }
  if (!valid) throw new CryptoError('BAD_SIGNATURE', `${kind} signature does not verify`);
}
