import { encodeHex } from '@vaultroom/shared';
import { splitRecordKey, type ChatStoreName } from '../chat/SealedStore.js';
import type { StorageKeys } from './storageSecret.js';

/** A value as the database holds it. */
export interface SealedValue {
  readonly iv: Uint8Array<ArrayBuffer>;
  readonly data: ArrayBuffer;
}

/**
 * Seals and opens records for one database: AES-GCM with the store and the stored key as
 * associated data, so a record moved to another key or store no longer opens. Every part of a
 * key is replaced by a keyed hash: the group (a conversation's handle, a device id), so that
 * range queries still find a group's records, and the rest (a time, a message id), which a copy
 * of the profile would otherwise show; readers sort what they list by the sealed values.
 */
export interface RecordSealer {
  /** The key a record is stored under: each part (group, rest) hidden. */
  storedKey(key: string): Promise<string>;
  /** The hidden form of a group, for range queries. */
  hide(group: string): Promise<string>;
  seal(store: ChatStoreName, stored: string, value: Uint8Array): Promise<SealedValue>;
  open(store: ChatStoreName, stored: string, sealed: SealedValue): Promise<Uint8Array>;
  /** For a re-sealed database: the stored key of a record stored as `legacyStored` before. */
  rehide(legacyStored: string): Promise<string>;
  /**
   * For a database of the first key format, which hid only the group: the stored key now of a
   * record stored as `group/rest` then (a key without a group was hidden whole, and stays).
   */
  hideRest(firstFormatStored: string): Promise<string>;
}

/** The key format a database's records are stored under: 2 hides every part of a key. */
export const RECORD_KEY_FORMAT = 2;

const encoder = new TextEncoder();

async function mac(key: CryptoKey, text: string): Promise<string> {
  // 128 bits: collisions between a person's handles are out of reach, and keys stay short.
  const tag = await crypto.subtle.sign('HMAC', key, encoder.encode(text));
  return encodeHex(new Uint8Array(tag)).slice(0, 32);
}

/**
 * `legacyName` is for a database re-sealed from the device-key format: its records were stored
 * under HMAC(legacyName, group), and the original groups cannot be recovered from those, so the
 * re-sealed database hides a group as HMAC(name, HMAC(legacyName, group)). The legacy key alone
 * reveals nothing: what is stored needs `name`, which comes only from the storage secret.
 */
export function createRecordSealer(keys: StorageKeys, legacyName?: CryptoKey): RecordSealer {
  const hiddenGroups = new Map<string, string>();

  async function hidePart(part: string): Promise<string> {
    const inner = legacyName === undefined ? part : await mac(legacyName, part);
    return mac(keys.name, inner);
  }

  // Groups (a few handles and device ids) recur on every read; the rest of a key rarely does.
  async function hide(group: string): Promise<string> {
    const known = hiddenGroups.get(group);
    if (known !== undefined) return known;
    const hidden = await hidePart(group);
    hiddenGroups.set(group, hidden);
    return hidden;
  }

  const associated = (store: ChatStoreName, stored: string) =>
    encoder.encode(`${store}\n${stored}`);

  return {
    hide,
    async rehide(legacyStored) {
      const { group, rest } = splitRecordKey(legacyStored);
      return group === null
        ? mac(keys.name, rest)
        : `${await mac(keys.name, group)}/${await mac(keys.name, rest)}`;
    },
    async hideRest(firstFormatStored) {
      const { group, rest } = splitRecordKey(firstFormatStored);
      return group === null ? firstFormatStored : `${group}/${await hidePart(rest)}`;
    },
    async storedKey(key) {
      const { group, rest } = splitRecordKey(key);
      return group === null ? hidePart(rest) : `${await hide(group)}/${await hidePart(rest)}`;
    },
    async seal(store, stored, value) {
      const iv = crypto.getRandomValues(new Uint8Array(12));
      const data = await crypto.subtle.encrypt(
        { name: 'AES-GCM', iv, additionalData: associated(store, stored) },
        keys.seal,
        Uint8Array.from(value),
      );
      return { iv, data };
    },
    async open(store, stored, sealed) {
      const plain = await crypto.subtle.decrypt(
        { name: 'AES-GCM', iv: sealed.iv, additionalData: associated(store, stored) },
        keys.seal,
        sealed.data,
      );
      return new Uint8Array(plain);
    },
  };
}

/**
 * One record of a device-key database, re-sealed for a database whose sealer `to` was made with
 * `legacyName` = the old name key. The old stored key already is HMAC(legacyName, group) in its
 * group part, so the new one is computed from it without knowing the group.
 */
export async function resealRecord(
  from: RecordSealer,
  to: RecordSealer,
  store: ChatStoreName,
  stored: string,
  sealed: SealedValue,
): Promise<{ readonly stored: string; readonly sealed: SealedValue }> {
  const value = await from.open(store, stored, sealed);
  const next = await to.rehide(stored);
  const resealed = await to.seal(store, next, value);
  value.fill(0);
  return { stored: next, sealed: resealed };
}
