import type { Sodium } from './Sodium.js';
import { CryptoError } from './CryptoError.js';
import { ByteReader } from './bytes.js';
import {
  LABELS,
  MAX_ACCOUNT_DEVICES,
  MAX_DEVICE_ID_BYTES,
  MAX_HANDLE_BYTES,
  RECORD_TYPE,
  SIZES,
} from './labels.js';
import {
  canonicalHandle,
  ID_CHARACTERS,
  readId,
  splitSigned,
  verifyLabelled,
} from './accountKeyFields.js';
import type { DeviceList, DeviceListEntry } from './signDeviceList.js';

export interface VerifyDeviceListOptions {
  /** The handle the caller asked for: a list signed for another handle is WRONG_ACCOUNT. */
  readonly handle: string;
  /**
   * The highest version the caller has already accepted for this account, if any: a list whose
   * version is not above it is STALE_DEVICE_LIST. Omit it only for an account seen for the first
   * time; a caller re-checking the list it holds compares bytes instead (§1.15.6).
   */
  readonly newerThan?: number;
}

/**
 * Parses a signed device list and checks it against the account key the caller trusts
 * (PROTOCOL.md §1.15.3), as a straight run of checks:
 * 1. version byte 0x01 (UNSUPPORTED_VERSION) and type 0x1b (MALFORMED);
 * 2. a lower-case handle of 1–32 characters, version ≥ 1, a time, at most MAX_ACCOUNT_DEVICES
 *    entries with base64url ids in strictly ascending order (so no duplicates), 32-byte hashes,
 *    a 64-byte signature and nothing after it (MALFORMED);
 * 3. the signature is the account key's, under the device-list label (BAD_SIGNATURE);
 * 4. the handle is the one asked for (WRONG_ACCOUNT);
 * 5. the version is above `newerThan` (STALE_DEVICE_LIST).
 * The caller must persist the accepted version (and bytes) so that step 5 holds next time.
 */
export function verifyDeviceList(
  sodium: Sodium,
  accountPublicKey: Uint8Array,
  bytes: Uint8Array,
  options: VerifyDeviceListOptions,
): DeviceList {
  const what = 'device list';
  const reader = new ByteReader(bytes, what);
  reader.header(RECORD_TYPE.deviceList);
  const handle = readId(reader, 'handle', MAX_HANDLE_BYTES, ID_CHARACTERS.handle);
  const version = reader.u64();
  if (version < 1) throw new CryptoError('MALFORMED', 'device list version must be at least 1');
  const issuedAt = reader.u64();
  const count = reader.u8();
  if (count > MAX_ACCOUNT_DEVICES) {
    throw new CryptoError(
      'MALFORMED',
      `device list names ${count} devices, at most ${MAX_ACCOUNT_DEVICES}`,
    );
  }
  const devices: DeviceListEntry[] = [];
  let previous: string | undefined;
  for (let i = 0; i < count; i++) {
    const deviceId = readId(reader, 'device id', MAX_DEVICE_ID_BYTES, ID_CHARACTERS.base64url);
    // Ids are ASCII, so string order is byte order; strictly ascending also refuses duplicates.
    if (previous !== undefined && !(previous < deviceId)) {
      throw new CryptoError(
        'MALFORMED',
        previous === deviceId
          ? 'device list names a device twice'
          : 'device list is not sorted by device id',
      );
    }
    previous = deviceId;
    devices.push({ deviceId, certificateHash: reader.bytes(SIZES.key) });
  }
  reader.bytes(SIZES.signature);
  reader.end();
  const [body, signature] = splitSigned(bytes, what);
  verifyLabelled(sodium, LABELS.deviceList, accountPublicKey, body, signature, what);
  if (handle !== canonicalHandle(options.handle)) {
    throw new CryptoError('WRONG_ACCOUNT', 'device list was signed for another handle');
  }
  if (options.newerThan !== undefined && version <= options.newerThan) {
    throw new CryptoError(
      'STALE_DEVICE_LIST',
      `device list version ${version} is not above ${options.newerThan}, already seen`,
    );
  }
  return { handle, version, issuedAt, devices, bytes: bytes.slice() };
}
