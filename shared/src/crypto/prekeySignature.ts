import type { Sodium } from './Sodium.js';
import { CryptoError } from './CryptoError.js';
import { ByteWriter, utf8 } from './bytes.js';
import { KEY_TYPE, LABELS, SIZES } from './labels.js';

export type PrekeyKind = keyof typeof KEY_TYPE;

/**
 * What a prekey signature covers besides the key: its kind and id, and for signed and X-Wing
 * prekeys the creation time, so a relay cannot pass an old key off as a fresh one (§1.4.4).
 * The identity DH key has no date: it lives as long as the device.
 */
export type SignedKeyFacts =
  | { readonly kind: 'identityDh' }
  | {
      readonly kind: 'signedPrekey' | 'pqPrekey';
      readonly id: number;
      readonly createdAt: number;
    };

/**
 * The signed message of PROTOCOL.md §1.4.1:
 *   u8(len(label)) || label || u8(key type) || u32(id) [|| u64(createdAt)] || public key
 * so a signature over one key can never be replayed as a signature over another kind of key,
 * another id, another creation time, or some other message signed by the identity key.
 */
export function prekeySignatureMessage(facts: SignedKeyFacts, publicKey: Uint8Array): Uint8Array {
  const label = utf8(LABELS.prekeySignature);
  const writer = new ByteWriter().u8(label.length).bytes(label).u8(KEY_TYPE[facts.kind]);
  if (facts.kind === 'identityDh') writer.u32(0);
  else writer.u32(facts.id).u64(facts.createdAt);
  return writer.bytes(publicKey).finish();
}

export function signPrekey(
  sodium: Sodium,
  signingSecretKey: Uint8Array,
  facts: SignedKeyFacts,
  publicKey: Uint8Array,
): Uint8Array {
  return sodium.crypto_sign_detached(prekeySignatureMessage(facts, publicKey), signingSecretKey);
}

/** Throws BAD_SIGNATURE unless `signature` is the identity key's signature over this prekey. */
export function verifyPrekeySignature(
  sodium: Sodium,
  signingPublicKey: Uint8Array,
  facts: SignedKeyFacts,
  publicKey: Uint8Array,
  signature: Uint8Array,
): void {
  if (signature.length !== SIZES.signature || signingPublicKey.length !== SIZES.ed25519PublicKey) {
    throw new CryptoError(
      'BAD_SIGNATURE',
      `${facts.kind} signature or identity key has the wrong length`,
    );
  }
  let valid = false;
  try {
    // libsodium also rejects small-order and non-canonical identity keys and R values here.
    valid = sodium.crypto_sign_verify_detached(
      signature,
      prekeySignatureMessage(facts, publicKey),
      signingPublicKey,
    );
  } catch {
    valid = false;
  }
  if (!valid) throw new CryptoError('BAD_SIGNATURE', `${facts.kind} signature does not verify`);
}
