import type { Sodium } from './Sodium.js';
import { CryptoError } from './CryptoError.js';
import { toHex } from './bytes.js';
import type { DeviceCertificate } from './certifyDevice.js';
import type { DeviceList } from './signDeviceList.js';
import { verifyDeviceCertificate } from './verifyDeviceCertificate.js';
import { verifyDeviceList, type VerifyDeviceListOptions } from './verifyDeviceList.js';

export interface AccountDevices {
  readonly list: DeviceList;
  /** The certified devices the list names, in the list's order (by device id). */
  readonly devices: readonly DeviceCertificate[];
}

/**
 * Rules 2 and 3 of PROTOCOL.md §1.15.6 in one call: the list verifies under the pinned account
 * key (verifyDeviceList, with its codes), and each device it names has, among `certificates`
 * (in any order; extra ones are ignored), a certificate that verifies under the same key and whose
 * hash and device id are the entry's. A named device without such a certificate is MALFORMED:
 * the relay served an inconsistent set, and no device of it may be trusted until it serves a
 * consistent one. The caller then encrypts to, and accepts content from, exactly `devices`.
 */
export function verifyAccountDevices(
  sodium: Sodium,
  accountPublicKey: Uint8Array,
  signed: { readonly list: Uint8Array; readonly certificates: readonly Uint8Array[] },
  options: VerifyDeviceListOptions,
): AccountDevices {
  const list = verifyDeviceList(sodium, accountPublicKey, signed.list, options);
  const byHash = new Map<string, DeviceCertificate>();
  for (const bytes of signed.certificates) {
    const certificate = verifyDeviceCertificate(sodium, accountPublicKey, bytes);
    byHash.set(toHex(certificate.hash), certificate);
  }
  const devices = list.devices.map((entry) => {
    const certificate = byHash.get(toHex(entry.certificateHash));
    // Found by its hash, so only the id remains to match; absent gives undefined, never equal.
    if (certificate?.deviceId !== entry.deviceId) {
      throw new CryptoError(
        'MALFORMED',
        'device list names a device without its certificate, or with another one',
      );
    }
    return certificate;
  });
  return { list, devices };
}
