import type { Sodium } from './Sodium.js';
import { CryptoError } from './CryptoError.js';
import { ByteWriter, concatBytes } from './bytes.js';
import { deriveKey } from './deriveKey.js';
import { E2E_VERSION, LABELS, MAX_DEVICE_ID_BYTES, RECORD_TYPE, SIZES } from './labels.js';
import { ID_CHARACTERS, idBytes, signLabelled, writeId } from './accountKeyFields.js';

/** What an account key vouches for about one device (PROTOCOL.md §1.15.2). */
export interface DeviceCertificateFields {
  /** The relay's id of the device (base64url, 1 to 64 characters). */
  readonly deviceId: string;
  /** The device's Ed25519 identity key IK. */
  readonly signingPublicKey: Uint8Array;
  /** The device's X25519 identity DH key IKd. */
  readonly dhPublicKey: Uint8Array;
  /** When the device was certified, in milliseconds since the epoch. */
  readonly createdAt: number;
}

export interface DeviceCertificate extends DeviceCertificateFields {
  /** The whole certificate, signature included: what the relay stores and serves. */
  readonly bytes: Uint8Array;
  /** deviceCertificateHash(bytes): how a device list names this certificate. */
  readonly hash: Uint8Array;
}

/** The signed part of a certificate: everything before the signature. */
export function deviceCertificateBody(fields: DeviceCertificateFields): Uint8Array {
  const { deviceId, signingPublicKey, dhPublicKey, createdAt } = fields;
  if (signingPublicKey.length !== SIZES.ed25519PublicKey || dhPublicKey.length !== SIZES.x25519) {
    throw new CryptoError('MALFORMED', 'device certificate has a key of the wrong length');
  }
  if (!Number.isSafeInteger(createdAt) || createdAt < 0) {
    throw new CryptoError('MALFORMED', 'device certificate time is not a non-negative integer');
  }
  const writer = new ByteWriter().u8(E2E_VERSION).u8(RECORD_TYPE.deviceCertificate);
  writeId(writer, idBytes(deviceId, 'device id', MAX_DEVICE_ID_BYTES, ID_CHARACTERS.base64url));
  return writer.bytes(signingPublicKey).bytes(dhPublicKey).u64(createdAt).finish();
}

/** KDF(device-certificate-hash, none, certificate, 32): a certificate's name in a device list. */
export function deviceCertificateHash(sodium: Sodium, certificate: Uint8Array): Uint8Array {
  return deriveKey(sodium, LABELS.deviceCertificateHash, null, certificate, 32);
}

/**
 * The account key certifies one device (PROTOCOL.md §1.15.2):
 *   cert = u8(0x01) ‖ u8(0x1a) ‖ u8(len) ‖ deviceId ‖ IK (32) ‖ IKd (32) ‖ u64(createdAt)
 *        ‖ Ed25519(account key, u8(len(L)) ‖ L ‖ everything before)      L = device-certificate
 * Deterministic (Ed25519 is), so certifying the same fields twice gives the same bytes.
 * The caller must first have checked the device's own signature over IKd (§1.4.1).
 */
export function certifyDevice(
  sodium: Sodium,
  accountSecretKey: Uint8Array,
  fields: DeviceCertificateFields,
): DeviceCertificate {
  const body = deviceCertificateBody(fields);
  const bytes = concatBytes(
    body,
    signLabelled(sodium, LABELS.deviceCertificate, accountSecretKey, body),
  );
  return {
    deviceId: fields.deviceId,
    signingPublicKey: fields.signingPublicKey.slice(),
    dhPublicKey: fields.dhPublicKey.slice(),
    createdAt: fields.createdAt,
    bytes,
    hash: deviceCertificateHash(sodium, bytes),
  };
}
