import type { SessionState, SkippedKey } from './SessionState.js';
import { CryptoError } from './CryptoError.js';
import { ByteReader, ByteWriter, toHex } from './bytes.js';
import {
  E2E_VERSION,
  MAX_PREVIOUS_RATCHET_KEYS,
  MAX_SKIPPED_KEYS,
  RECORD_TYPE,
  SIZES,
} from './labels.js';

function optional(w: ByteWriter, value: Uint8Array | null): void {
  if (value === null) w.u8(0);
  else w.u8(1).bytes(value);
}

/**
 * Session record, format version 1 (PROTOCOL.md §1.11.2). Contains secret keys: store it where
 * the device's other secrets are stored. Format versions are never reused: a later library
 * reads every earlier version (see the golden snapshots in shared/test-vectors/e2e/).
 */
export function encodeSession(session: SessionState): Uint8Array {
  const w = new ByteWriter()
    .u8(E2E_VERSION)
    .u8(RECORD_TYPE.session)
    .bytes(session.localIdentityKey)
    .bytes(session.remoteIdentityKey)
    .bytes(session.handshakeId)
    .bytes(session.rootKey)
    .bytes(session.sendingRatchetSecretKey)
    .bytes(session.sendingRatchetPublicKey);
  optional(w, session.receivingRatchetKey);
  optional(w, session.sendingChainKey);
  w.u32(session.sendingCounter).u32(session.previousSendingCounter);
  optional(w, session.receivingChainKey);
  w.u32(session.receivingCounter);
  w.u8(session.previousRatchetKeys.length);
  for (const key of session.previousRatchetKeys) w.bytes(key);
  w.u16(session.skippedKeys.size);
  for (const entry of session.skippedKeys.values()) {
    w.bytes(entry.ratchetKey).u32(entry.counter).bytes(entry.messageKey);
  }
  if (session.pendingPrekey === null) w.u8(0);
  else w.u8(1).vec16(session.pendingPrekey);
  return w.finish();
}

/** Parses a session record of any supported format version; MALFORMED on any inconsistency. */
export function decodeSession(bytes: Uint8Array): SessionState {
  const r = new ByteReader(bytes, 'session record');
  r.header(RECORD_TYPE.session);
  const key = (): Uint8Array => r.bytes(SIZES.key);
  const maybe = (): Uint8Array | null => (r.flag() ? key() : null);
  const localIdentityKey = key();
  const remoteIdentityKey = key();
  const handshakeId = key();
  const rootKey = key();
  const sendingRatchetSecretKey = key();
  const sendingRatchetPublicKey = key();
  const receivingRatchetKey = maybe();
  const sendingChainKey = maybe();
  const sendingCounter = r.u32();
  const previousSendingCounter = r.u32();
  const receivingChainKey = maybe();
  const receivingCounter = r.u32();
  const previousCount = r.u8();
  if (previousCount > MAX_PREVIOUS_RATCHET_KEYS)
    throw new CryptoError('MALFORMED', 'session record has too many ratchet keys');
  const previousRatchetKeys: Uint8Array[] = [];
  for (let i = 0; i < previousCount; i++) previousRatchetKeys.push(key());
  const skippedCount = r.u16();
  if (skippedCount > MAX_SKIPPED_KEYS)
    throw new CryptoError('MALFORMED', 'session record has too many skipped keys');
  const skippedKeys = new Map<string, SkippedKey>();
  for (let i = 0; i < skippedCount; i++) {
    const ratchetKey = key();
    const counter = r.u32();
    skippedKeys.set(`${toHex(ratchetKey)}:${counter}`, { ratchetKey, counter, messageKey: key() });
  }
  if (skippedKeys.size !== skippedCount)
    throw new CryptoError('MALFORMED', 'session record repeats a skipped key');
  const pendingPrekey = r.flag() ? r.vec16() : null;
  r.end();
  return {
    localIdentityKey,
    remoteIdentityKey,
    handshakeId,
    rootKey,
    sendingRatchetSecretKey,
    sendingRatchetPublicKey,
    receivingRatchetKey,
    sendingChainKey,
    sendingCounter,
    previousSendingCounter,
    receivingChainKey,
    receivingCounter,
    previousRatchetKeys,
    skippedKeys,
    pendingPrekey,
  };
}
