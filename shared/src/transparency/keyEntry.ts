import { sha256 } from '@noble/hashes/sha2.js';
import { decodeBase64, encodeBase64 } from './base64.js';
import { TransparencyError } from './TransparencyError.js';
import type { AuditLeaf } from './auditLeaf.js';

/**
 * Key entries: the audit events that make the log a key-transparency log (PROTOCOL.md §3.8).
 * Every account key, device certificate, signed device list, device registration and revocation
 * is one leaf of type {@link KEY_ENTRY_TYPE} whose `details` say whose key it is and commit to
 * the exact public bytes. Nothing secret is in one: keys and signed objects are public (§2.9).
 */
export const KEY_ENTRY_TYPE = 'key_logged';

/** What a key entry records. */
export const KEY_ENTRY_KINDS = [
  /** The account's Ed25519 account key (§1.15.1): object = the 32-byte key. */
  'account-key',
  /** A device certificate (§1.15.2): object = the certificate; key = the device's IK. */
  'device-certificate',
  /** A signed device list (§1.15.3), revocations included: key = the account key that signed it. */
  'device-list',
  /** A device registered with the relay (§2.4): object = IK ‖ IKd; key = IK. */
  'device-identity',
  /** The relay revoked a device (§2.9): key = the device's IK; no object. */
  'device-revocation',
] as const;

export type KeyEntryKind = (typeof KEY_ENTRY_KINDS)[number];

/** A key entry's facts, as `details` of the event (every hash and object in base64). */
export interface KeyEntry {
  readonly kind: KeyEntryKind;
  /** The account's handle key (its lower-case handle), as device lists name it (§1.15.3). */
  readonly account: string;
  readonly device: string | null;
  /** SHA-256 of the public key the entry is about. */
  readonly keyHash: string;
  /** SHA-256 of `object`'s bytes, or null when the entry has no object. */
  readonly objectHash: string | null;
  /** The exact bytes of the public object, or null. */
  readonly object: string | null;
}

/** SHA-256, the hash of key and object bytes in key entries. */
export const keyEntryHash = (bytes: Uint8Array): Uint8Array => sha256(bytes);

/** A key entry for `object` (or none), hashing what it commits to. */
export function makeKeyEntry(fields: {
  readonly kind: KeyEntryKind;
  readonly account: string;
  readonly device: string | null;
  readonly key: Uint8Array;
  readonly object: Uint8Array | null;
}): KeyEntry {
  return {
    kind: fields.kind,
    account: fields.account,
    device: fields.device,
    keyHash: encodeBase64(keyEntryHash(fields.key)),
    objectHash: fields.object === null ? null : encodeBase64(keyEntryHash(fields.object)),
    object: fields.object === null ? null : encodeBase64(fields.object),
  };
}

/** The event details of an entry, in this fixed key order (the leaf's bytes depend on it). */
export function keyEntryDetails(entry: KeyEntry): Record<string, string | null> {
  return {
    kind: entry.kind,
    account: entry.account,
    device: entry.device,
    keyHash: entry.keyHash,
    objectHash: entry.objectHash,
    object: entry.object,
  };
}

const isKind = (value: unknown): value is KeyEntryKind =>
  typeof value === 'string' && (KEY_ENTRY_KINDS as readonly string[]).includes(value);

const textOrNull = (value: unknown): value is string | null =>
  value === null || typeof value === 'string';

/**
 * The key entry a decoded leaf holds, or null when the leaf is another kind of event. A leaf of
 * the key-entry type that does not hold a well-formed entry (an object that does not hash to its
 * `objectHash`, a field missing) is refused: it commits to nothing a client could check.
 */
export function readKeyEntry(leaf: AuditLeaf): KeyEntry | null {
  if (leaf.type !== KEY_ENTRY_TYPE) return null;
  let details: unknown;
  try {
    details = JSON.parse(leaf.details);
  } catch {
    throw new TransparencyError('LEAF_MALFORMED', 'a key entry has details that are not JSON');
  }
  if (typeof details !== 'object' || details === null) {
    throw new TransparencyError('LEAF_MALFORMED', 'a key entry has no details');
  }
  const { kind, account, device, keyHash, objectHash, object } = details as Record<string, unknown>;
  if (
    !isKind(kind) ||
    typeof account !== 'string' ||
    !textOrNull(device) ||
    typeof keyHash !== 'string' ||
    !textOrNull(objectHash) ||
    !textOrNull(object) ||
    (object === null) !== (objectHash === null)
  ) {
    throw new TransparencyError('LEAF_MALFORMED', 'a key entry field is missing or mistyped');
  }
  if (object !== null && encodeBase64(keyEntryHash(decodeBase64(object))) !== objectHash) {
    throw new TransparencyError('LEAF_MALFORMED', 'a key entry object does not match its hash');
  }
  return { kind, account, device, keyHash, objectHash, object };
}
