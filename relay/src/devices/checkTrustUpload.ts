import {
  isCryptoError,
  verifyDeviceCertificate,
  verifyDeviceList,
  type DeviceCertificate,
  type Sodium,
} from '@vaultroom/shared/crypto';
import { ProtocolError } from '@vaultroom/shared/protocol';

/** A live device of the publishing account, with the identity keys it registered. */
export interface RegisteredDevice {
  readonly signingKey: Uint8Array;
  readonly dhKey: Uint8Array;
}

export interface TrustUploadInput {
  /** The account's handle: the list must be signed for it (§1.15.3). */
  readonly handle: string;
  /** What the relay holds for the account, or null before its first publication. */
  readonly stored: { readonly accountKey: Uint8Array; readonly version: number } | null;
  readonly upload: {
    readonly accountKey: Uint8Array;
    readonly list: Uint8Array;
    readonly certificates: readonly Uint8Array[];
    readonly replaceAccountKey: boolean;
  };
  /** The account's devices that are not revoked, by id. */
  readonly devices: ReadonlyMap<string, RegisteredDevice>;
  /** Certificates the relay already holds for the account's devices, by device id. */
  readonly storedCertificates: ReadonlyMap<string, Uint8Array>;
}

export interface CheckedTrust {
  readonly version: number;
  /** True when the upload replaces the account's stored account key. */
  readonly replacesKey: boolean;
  /** One certificate per device the list names, in the list's order. */
  readonly certificates: readonly DeviceCertificate[];
}

const bad = (why: string) => new ProtocolError('BAD_TRUST_OBJECT', why);

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}

/**
 * The relay's checks of a `publish-trust` frame (PROTOCOL.md §2.9), as a straight run: they keep
 * garbage out, they do not make the relay trusted (clients verify everything, §1.15.6).
 * 1. the account key is the stored one, unless there is none or the upload replaces it
 *    (ACCOUNT_KEY_MISMATCH);
 * 2. the list verifies under that key for the account's handle (BAD_TRUST_OBJECT), with a version
 *    above the stored one unless the key is new (STALE_DEVICE_LIST);
 * 3. each uploaded certificate verifies under the key and is for a device the list names, once
 *    (BAD_TRUST_OBJECT);
 * 4. each named device is a live device of this account, with a certificate (uploaded, or held
 *    and still valid under the key) of the listed hash carrying the identity keys that device
 *    registered (BAD_TRUST_OBJECT).
 */
export function checkTrustUpload(sodium: Sodium, input: TrustUploadInput): CheckedTrust {
  const { stored, upload } = input;
  const replacesKey = stored !== null && !sameBytes(stored.accountKey, upload.accountKey);
  if (replacesKey && !upload.replaceAccountKey) throw new ProtocolError('ACCOUNT_KEY_MISMATCH');

  let list;
  try {
    list = verifyDeviceList(sodium, upload.accountKey, upload.list, {
      handle: input.handle,
      // A new account key starts its own sequence of versions.
      ...(stored !== null && !replacesKey ? { newerThan: stored.version } : {}),
    });
  } catch (error) {
    if (isCryptoError(error, 'STALE_DEVICE_LIST')) throw new ProtocolError('STALE_DEVICE_LIST');
    throw bad('device list does not verify for this account');
  }
  const named = new Set(list.devices.map((entry) => entry.deviceId));

  const uploaded = new Map<string, DeviceCertificate>();
  for (const bytes of upload.certificates) {
    const certificate = verifyCertificate(sodium, upload.accountKey, bytes);
    if (!named.has(certificate.deviceId) || uploaded.has(certificate.deviceId)) {
      throw bad('certificate for a device the list does not name, or twice');
    }
    uploaded.set(certificate.deviceId, certificate);
  }

  const certificates = list.devices.map((entry) => {
    const device = input.devices.get(entry.deviceId);
    if (device === undefined)
      throw bad('list names a device that is not a live device of this account');
    const held = input.storedCertificates.get(entry.deviceId);
    const certificate =
      uploaded.get(entry.deviceId) ??
      (held === undefined ? undefined : verifyCertificate(sodium, upload.accountKey, held));
    if (certificate === undefined) throw bad('list names a device without a certificate');
    if (
      certificate.deviceId !== entry.deviceId ||
      !sameBytes(certificate.hash, entry.certificateHash) ||
      !sameBytes(certificate.signingPublicKey, device.signingKey) ||
      !sameBytes(certificate.dhPublicKey, device.dhKey)
    ) {
      throw bad('certificate does not match the list or the device');
    }
    return certificate;
  });
  return { version: list.version, replacesKey, certificates };
}

function verifyCertificate(
  sodium: Sodium,
  accountKey: Uint8Array,
  bytes: Uint8Array,
): DeviceCertificate {
  try {
    return verifyDeviceCertificate(sodium, accountKey, bytes);
  } catch {
    throw bad('certificate does not verify under the account key');
  }
}
