import type { PublicIdentity } from './keyTypes.js';
import type { Sodium } from './Sodium.js';
import { ByteWriter, concatBytes } from './bytes.js';
import { deriveKey } from './deriveKey.js';
import {
  E2E_VERSION,
  LABELS,
  LINK_CODE_ITERATIONS,
  LINK_CODE_LENGTH,
  MAX_DEVICE_ID_BYTES,
  RECORD_TYPE,
  SIZES,
} from './labels.js';
import { ID_CHARACTERS, idBytes, writeId } from './accountKeyFields.js';
import { CryptoError } from './CryptoError.js';

/** What a new device shows so an existing device of the account can certify it (§1.15.7). */
export interface LinkOffer {
  readonly deviceId: string;
  readonly identity: PublicIdentity;
  /** The offer bytes: the QR payload, and what the relay carries to the existing device. */
  readonly bytes: Uint8Array;
  /** 16 Crockford base32 characters derived from `bytes`, shown for a person to type. */
  readonly code: string;
}

/** Crockford's base32 alphabet: no I, L, O or U, so what is read aloud or typed stays unambiguous. */
export const LINK_CODE_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/**
 * The code of an offer (PROTOCOL.md §1.15.7):
 *   h0 = KDF(link-code, none, offer, 64); h_i = KDF(link-code, none, h_{i−1} ‖ offer, 64), i = 1..5200
 *   code = Crockford base32 of h_5200[0..10] (80 bits, 16 characters)
 * The code commits to the whole offer: a relay that swaps in its own device must find another
 * offer with the same 80 bits, ~2^80 × 5200 hashes. A random code not derived from the keys would
 * authenticate nothing the relay carries.
 */
export function linkCode(sodium: Sodium, offer: Uint8Array): string {
  let hash = deriveKey(sodium, LABELS.linkCode, null, offer, 64);
  for (let i = 0; i < LINK_CODE_ITERATIONS; i++) {
    hash = deriveKey(sodium, LABELS.linkCode, null, concatBytes(hash, offer), 64);
  }
  let code = '';
  let bits = 0;
  let buffer = 0;
  for (const byte of hash.subarray(0, (LINK_CODE_LENGTH * 5) / 8)) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      code += LINK_CODE_ALPHABET[(buffer >> bits) & 0x1f] ?? '';
    }
    buffer &= (1 << bits) - 1;
  }
  return code;
}

/**
 * The new device's side of linking from an existing device (PROTOCOL.md §1.15.7):
 *   offer = u8(0x01) ‖ u8(0x1d) ‖ u8(len) ‖ deviceId ‖ IK (32) ‖ IKd (32) ‖ sig_IK(IKd) (64)
 * The device shows `bytes` as a QR code and `code` as text; the existing device scans the QR
 * (decodeLinkOffer) or receives the offer through the relay and has the person type the code
 * (confirmLinkCode), then certifies the device. Nothing here is secret.
 */
export function createLinkOffer(
  sodium: Sodium,
  deviceId: string,
  identity: PublicIdentity,
): LinkOffer {
  if (
    identity.signingPublicKey.length !== SIZES.ed25519PublicKey ||
    identity.dhPublicKey.length !== SIZES.x25519 ||
    identity.dhSignature.length !== SIZES.signature
  ) {
    throw new CryptoError('MALFORMED', 'link offer has a key or signature of the wrong length');
  }
  const writer = new ByteWriter().u8(E2E_VERSION).u8(RECORD_TYPE.linkOffer);
  writeId(writer, idBytes(deviceId, 'device id', MAX_DEVICE_ID_BYTES, ID_CHARACTERS.base64url));
  const bytes = writer
    .bytes(identity.signingPublicKey)
    .bytes(identity.dhPublicKey)
    .bytes(identity.dhSignature)
    .finish();
  return { deviceId, identity, bytes, code: linkCode(sodium, bytes) };
}
