import type { Sodium } from './Sodium.js';
import { ByteReader } from './bytes.js';
import { assertNotLowOrder } from './diffieHellman.js';
import { LABELS, MAX_DEVICE_ID_BYTES, RECORD_TYPE, SIZES } from './labels.js';
import { ID_CHARACTERS, readId, splitSigned, verifyLabelled } from './accountKeyFields.js';
import { deviceCertificateHash, type DeviceCertificate } from './certifyDevice.js';

/**
 * Parses a device certificate and checks it against the account key the caller trusts
 * (PROTOCOL.md §1.15.2), as a straight run of checks:
 * 1. version byte 0x01 (UNSUPPORTED_VERSION) and type 0x1a (MALFORMED);
 * 2. a 1–64 character base64url device id, two 32-byte keys, a u64 time, a 64-byte signature and
 *    nothing after it (MALFORMED);
 * 3. the signature is the account key's, under the device-certificate label (BAD_SIGNATURE);
 * 4. IKd is not a low-order X25519 point (LOW_ORDER_KEY).
 * The caller must still match the result to the device it is about (its id and the identity
 * keys of its bundle) and to the account's current device list (§1.15.6).
 */
export function verifyDeviceCertificate(
  sodium: Sodium,
  accountPublicKey: Uint8Array,
  bytes: Uint8Array,
): DeviceCertificate {
  const what = 'device certificate';
  const reader = new ByteReader(bytes, what);
  reader.header(RECORD_TYPE.deviceCertificate);
  const deviceId = readId(reader, 'device id', MAX_DEVICE_ID_BYTES, ID_CHARACTERS.base64url);
  const signingPublicKey = reader.bytes(SIZES.ed25519PublicKey);
  const dhPublicKey = reader.bytes(SIZES.x25519);
  const createdAt = reader.u64();
  reader.bytes(SIZES.signature);
  reader.end();
  const [body, signature] = splitSigned(bytes, what);
  verifyLabelled(sodium, LABELS.deviceCertificate, accountPublicKey, body, signature, what);
  assertNotLowOrder(sodium, dhPublicKey);
  return {
    deviceId,
    signingPublicKey,
    dhPublicKey,
    createdAt,
    bytes: bytes.slice(),
    hash: deviceCertificateHash(sodium, bytes),
  };
}
