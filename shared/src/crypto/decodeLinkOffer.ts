import type { Sodium } from './Sodium.js';
import { ByteReader } from './bytes.js';
import { assertNotLowOrder } from './diffieHellman.js';
import { MAX_DEVICE_ID_BYTES, RECORD_TYPE, SIZES } from './labels.js';
import { ID_CHARACTERS, readId } from './accountKeyFields.js';
import { verifyPrekeySignature } from './prekeySignature.js';
import { linkCode, type LinkOffer } from './createLinkOffer.js';

/**
 * Parses a link offer (PROTOCOL.md §1.15.7) on the existing device:
 * 1. version 0x01 (UNSUPPORTED_VERSION), type 0x1d, a base64url device id, two keys, a signature
 *    and nothing after (MALFORMED);
 * 2. IK's signature over IKd (BAD_SIGNATURE) and IKd of full order (LOW_ORDER_KEY).
 * It proves nothing about who sent it: only a scanned QR or a matching typed code does.
 */
export function decodeLinkOffer(sodium: Sodium, bytes: Uint8Array): LinkOffer {
  const reader = new ByteReader(bytes, 'link offer');
  reader.header(RECORD_TYPE.linkOffer);
  const deviceId = readId(reader, 'device id', MAX_DEVICE_ID_BYTES, ID_CHARACTERS.base64url);
  const signingPublicKey = reader.bytes(SIZES.ed25519PublicKey);
  const dhPublicKey = reader.bytes(SIZES.x25519);
  const dhSignature = reader.bytes(SIZES.signature);
  reader.end();
  verifyPrekeySignature(sodium, signingPublicKey, { kind: 'identityDh' }, dhPublicKey, dhSignature);
  assertNotLowOrder(sodium, dhPublicKey);
  return {
    deviceId,
    identity: { signingPublicKey, dhPublicKey, dhSignature },
    bytes: bytes.slice(),
    code: linkCode(sodium, bytes),
  };
}
