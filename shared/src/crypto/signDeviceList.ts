import type { Sodium } from './Sodium.js';
import { CryptoError } from './CryptoError.js';
import { ByteWriter, concatBytes } from './bytes.js';
import {
  E2E_VERSION,
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
  idBytes,
  signLabelled,
  writeId,
} from './accountKeyFields.js';

/** One device a list names: its id and the hash of its certificate (§1.15.2). */
export interface DeviceListEntry {
  readonly deviceId: string;
  readonly certificateHash: Uint8Array;
}

export interface DeviceListFields {
  /** The account's handle; encoded lower-cased (§1.15.3 says why the handle is the binding). */
  readonly handle: string;
  /** 1 ≤ version ≤ 2^53 − 1; each new list of an account has a larger one. */
  readonly version: number;
  /** Milliseconds since the epoch. */
  readonly issuedAt: number;
  /** At most MAX_ACCOUNT_DEVICES, distinct ids, in any order (encoded sorted by id). */
  readonly devices: readonly DeviceListEntry[];
}

export interface DeviceList extends DeviceListFields {
  /** The whole signed list: what the relay stores and serves. */
  readonly bytes: Uint8Array;
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const diff = (a[i] ?? 0) - (b[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return a.length - b.length;
}

/** The signed part of a list, canonical: handle lower-cased, devices sorted by id bytes. */
export function deviceListBody(fields: DeviceListFields): Uint8Array {
  const handle = idBytes(
    canonicalHandle(fields.handle),
    'handle',
    MAX_HANDLE_BYTES,
    ID_CHARACTERS.handle,
  );
  if (!Number.isSafeInteger(fields.version) || fields.version < 1) {
    throw new CryptoError('MALFORMED', 'device list version must be an integer from 1');
  }
  if (!Number.isSafeInteger(fields.issuedAt) || fields.issuedAt < 0) {
    throw new CryptoError('MALFORMED', 'device list time is not a non-negative integer');
  }
  if (fields.devices.length > MAX_ACCOUNT_DEVICES) {
    throw new CryptoError(
      'MALFORMED',
      `device list names ${fields.devices.length} devices, at most ${MAX_ACCOUNT_DEVICES}`,
    );
  }
  const entries = fields.devices
    .map((device) => {
      if (device.certificateHash.length !== SIZES.key) {
        throw new CryptoError('MALFORMED', 'certificate hash has the wrong length');
      }
      const id = idBytes(
        device.deviceId,
        'device id',
        MAX_DEVICE_ID_BYTES,
        ID_CHARACTERS.base64url,
      );
      return { id, hash: device.certificateHash };
    })
    .sort((a, b) => compareBytes(a.id, b.id));
  const writer = new ByteWriter().u8(E2E_VERSION).u8(RECORD_TYPE.deviceList);
  writeId(writer, handle).u64(fields.version).u64(fields.issuedAt).u8(entries.length);
  let previous: Uint8Array | undefined;
  for (const entry of entries) {
    if (previous && compareBytes(previous, entry.id) === 0) {
      throw new CryptoError('MALFORMED', 'device list names a device twice');
    }
    previous = entry.id;
    writeId(writer, entry.id).bytes(entry.hash);
  }
  return writer.finish();
}

/**
 * The account key signs the set of its devices (PROTOCOL.md §1.15.3):
 *   list = u8(0x01) ‖ u8(0x1b) ‖ u8(len) ‖ handle ‖ u64(version) ‖ u64(issuedAt) ‖ u8(count)
 *        ‖ (u8(len) ‖ deviceId ‖ certificateHash (32)) × count, sorted by deviceId
 *        ‖ Ed25519(account key, u8(len(L)) ‖ L ‖ everything before)      L = device-list
 * Revoking a device is signing a new list, with a larger version, that no longer names it.
 * The caller must persist `version` before publishing, and never sign two lists with one version.
 */
export function signDeviceList(
  sodium: Sodium,
  accountSecretKey: Uint8Array,
  fields: DeviceListFields,
): DeviceList {
  const body = deviceListBody(fields);
  const devices = [...fields.devices]
    .map((device) => ({
      deviceId: device.deviceId,
      certificateHash: device.certificateHash.slice(),
    }))
    // Ids are ASCII (checked above), so string order is their byte order.
    .sort((a, b) => (a.deviceId < b.deviceId ? -1 : 1));
  return {
    handle: canonicalHandle(fields.handle),
    version: fields.version,
    issuedAt: fields.issuedAt,
    devices,
    bytes: concatBytes(body, signLabelled(sodium, LABELS.deviceList, accountSecretKey, body)),
  };
}
