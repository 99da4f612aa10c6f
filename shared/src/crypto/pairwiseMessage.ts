import { CryptoError } from './CryptoError.js';
import { ByteReader, ByteWriter } from './bytes.js';
import { E2E_VERSION, MESSAGE_TYPE, SIZES } from './labels.js';

/** §1.7.1 Ratchet message header: version, type, ratchet key, PN, N (42 bytes). */
export const RATCHET_HEADER_LENGTH = 2 + SIZES.x25519 + 4 + 4;
/** Smallest valid ratchet message: header, nonce, the smallest padding bucket, tag. */
const MIN_CIPHERTEXT = 256 + SIZES.tag;

export interface RatchetMessage {
  /** The 42 header bytes exactly as on the wire; they are part of the associated data. */
  readonly header: Uint8Array;
  readonly ratchetKey: Uint8Array;
  readonly previousCounter: number;
  readonly counter: number;
  readonly nonce: Uint8Array;
  readonly ciphertext: Uint8Array;
}

export interface PrekeyMessage {
  /** The bytes before the inner ratchet message (§1.7.2), kept verbatim for the session. */
  readonly prefix: Uint8Array;
  readonly senderIdentityKey: Uint8Array;
  readonly senderDhKey: Uint8Array;
  readonly senderDhSignature: Uint8Array;
  readonly ephemeralKey: Uint8Array;
  readonly signedPrekeyId: number;
  readonly pqPrekeyId: number;
  readonly oneTimePrekeyId: number | null;
  readonly pqCiphertext: Uint8Array;
  readonly message: RatchetMessage;
}

/**
 * Writes the header of §1.7.1 into `out` at `at`, so a message is built in one allocation.
 * Byte by byte (not with ByteWriter or a DataView): this runs for every message.
 */
export function writeRatchetHeader(
  out: Uint8Array,
  at: number,
  ratchetKey: Uint8Array,
  previousCounter: number,
  counter: number,
): void {
  out[at] = E2E_VERSION;
  out[at + 1] = MESSAGE_TYPE.ratchet;
  out.set(ratchetKey, at + 2);
  writeU32(out, at + 2 + SIZES.x25519, previousCounter);
  writeU32(out, at + 6 + SIZES.x25519, counter);
}

/** Big-endian u32 (§1.2). */
function writeU32(out: Uint8Array, at: number, value: number): void {
  out[at] = value >>> 24;
  out[at + 1] = (value >>> 16) & 0xff;
  out[at + 2] = (value >>> 8) & 0xff;
  out[at + 3] = value & 0xff;
}

export function encodePrekeyPrefix(fields: Omit<PrekeyMessage, 'prefix' | 'message'>): Uint8Array {
  return new ByteWriter()
    .u8(E2E_VERSION)
    .u8(MESSAGE_TYPE.prekey)
    .bytes(fields.senderIdentityKey)
    .bytes(fields.senderDhKey)
    .bytes(fields.senderDhSignature)
    .bytes(fields.ephemeralKey)
    .u32(fields.signedPrekeyId)
    .u32(fields.pqPrekeyId)
    .u8(fields.oneTimePrekeyId === null ? 0 : 1)
    .u32(fields.oneTimePrekeyId ?? 0)
    .bytes(fields.pqCiphertext)
    .finish();
}

/** The message type byte, after checking the version byte. */
export function peekMessageType(bytes: Uint8Array): 'prekey' | 'ratchet' {
  const version = bytes[0];
  if (version === undefined) throw new CryptoError('MALFORMED', 'message is empty');
  if (version !== E2E_VERSION) {
    throw new CryptoError(
      'UNSUPPORTED_VERSION',
      `message has version ${version}, expected ${E2E_VERSION}`,
    );
  }
  if (bytes[1] === MESSAGE_TYPE.prekey) return 'prekey';
  if (bytes[1] === MESSAGE_TYPE.ratchet) return 'ratchet';
  throw new CryptoError('MALFORMED', 'message has an unknown type');
}

/**
 * Parses a ratchet message. `header`, `nonce` and `ciphertext` are views into `bytes` (no copy:
 * this runs for every message); `ratchetKey` is a copy because sessions keep it. Read by hand
 * rather than with ByteReader (its DataView costs more than the rest of the parse), with the
 * same checks in the same order and the same errors.
 */
export function decodeRatchetMessage(bytes: Uint8Array): RatchetMessage {
  const version = bytes[0];
  if (version === undefined) throw new CryptoError('MALFORMED', 'ratchet message is truncated');
  if (version !== E2E_VERSION) {
    throw new CryptoError(
      'UNSUPPORTED_VERSION',
      `ratchet message has version ${version}, expected ${E2E_VERSION}`,
    );
  }
  const type = bytes[1];
  if (type === undefined) throw new CryptoError('MALFORMED', 'ratchet message is truncated');
  if (type !== MESSAGE_TYPE.ratchet) {
    throw new CryptoError(
      'MALFORMED',
      `ratchet message has type ${type}, expected ${MESSAGE_TYPE.ratchet}`,
    );
  }
  if (bytes.length < RATCHET_HEADER_LENGTH + SIZES.nonce + MIN_CIPHERTEXT) {
    throw new CryptoError('MALFORMED', 'ratchet message is truncated');
  }
  const body = RATCHET_HEADER_LENGTH + SIZES.nonce;
  return {
    header: bytes.subarray(0, RATCHET_HEADER_LENGTH),
    ratchetKey: bytes.slice(2, 2 + SIZES.x25519),
    previousCounter: readU32(bytes, 2 + SIZES.x25519),
    counter: readU32(bytes, 6 + SIZES.x25519),
    nonce: bytes.subarray(RATCHET_HEADER_LENGTH, body),
    ciphertext: bytes.subarray(body),
  };
}

/** Big-endian u32 (§1.2); the caller has checked the length. */
function readU32(bytes: Uint8Array, at: number): number {
  return (
    (((bytes[at] ?? 0) << 24) |
      ((bytes[at + 1] ?? 0) << 16) |
      ((bytes[at + 2] ?? 0) << 8) |
      (bytes[at + 3] ?? 0)) >>>
    0
  );
}

export function decodePrekeyMessage(bytes: Uint8Array): PrekeyMessage {
  const r = new ByteReader(bytes, 'prekey message');
  r.header(MESSAGE_TYPE.prekey);
  const senderIdentityKey = r.bytes(SIZES.ed25519PublicKey);
  const senderDhKey = r.bytes(SIZES.x25519);
  const senderDhSignature = r.bytes(SIZES.signature);
  const ephemeralKey = r.bytes(SIZES.x25519);
  const signedPrekeyId = r.u32();
  const pqPrekeyId = r.u32();
  const hasOneTime = r.flag();
  const oneTimeId = r.u32();
  // Canonical encoding: a message has exactly one byte representation.
  if (!hasOneTime && oneTimeId !== 0)
    throw new CryptoError('MALFORMED', 'prekey message has a stray one-time prekey id');
  const pqCiphertext = r.bytes(SIZES.xwingCiphertext);
  const prefixLength = bytes.length - r.remaining;
  const message = decodeRatchetMessage(r.rest());
  return {
    prefix: bytes.slice(0, prefixLength),
    senderIdentityKey,
    senderDhKey,
    senderDhSignature,
    ephemeralKey,
    signedPrekeyId,
    pqPrekeyId,
    oneTimePrekeyId: hasOneTime ? oneTimeId : null,
    pqCiphertext,
    message,
  };
}
