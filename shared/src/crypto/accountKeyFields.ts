import type { Sodium } from './Sodium.js';
import { CryptoError } from './CryptoError.js';
import type { ByteReader, ByteWriter } from './bytes.js';
import { concatBytes, fromUtf8, utf8 } from './bytes.js';
import { labelPrefix } from './deriveKey.js';
import { SIZES } from './labels.js';

/*
 * The small pieces the device-trust objects of PROTOCOL.md §1.15 share: short ASCII ids with a
 * u8 length prefix, and Ed25519 signatures whose message starts with a length-prefixed label, so
 * a signature over one kind of object can never be taken for a signature over another (§1.3).
 */

/**
 * What a short id of §1.15 may contain: relay ids are base64url; handles are encoded in their
 * canonical form, lower case, because the relay treats handles case-insensitively (one account
 * per lower-cased handle), so "Bob" and "bob" must bind the same account.
 */
export const ID_CHARACTERS = {
  base64url: /^[A-Za-z0-9_-]+$/,
  handle: /^[a-z][a-z0-9_.-]*$/,
} as const;

/** The canonical form of a handle (ASCII lower case; handles are ASCII). */
export function canonicalHandle(handle: string): string {
  return handle.replace(/[A-Z]/g, (c) => c.toLowerCase());
}

/** Checks an id's characters and length before it is encoded; MALFORMED otherwise. */
export function idBytes(value: string, what: string, max: number, pattern: RegExp): Uint8Array {
  const bytes = utf8(value);
  if (bytes.length === 0 || bytes.length > max || !pattern.test(value)) {
    throw new CryptoError('MALFORMED', `${what} must be 1 to ${max} characters of its alphabet`);
  }
  return bytes;
}

/** u8(len) ‖ id, refusing ids that the writer would have refused. */
export function readId(reader: ByteReader, what: string, max: number, pattern: RegExp): string {
  const length = reader.u8();
  if (length === 0 || length > max) {
    throw new CryptoError('MALFORMED', `${what} has length ${length}, expected 1 to ${max}`);
  }
  const value = fromUtf8(reader.bytes(length), what);
  if (!pattern.test(value))
    throw new CryptoError('MALFORMED', `${what} has a character outside its alphabet`);
  return value;
}

export function writeId(writer: ByteWriter, bytes: Uint8Array): ByteWriter {
  return writer.u8(bytes.length).bytes(bytes);
}

/** Ed25519 over u8(len(label)) ‖ label ‖ body: the signature appended to a §1.15 object. */
export function signLabelled(
  sodium: Sodium,
  label: string,
  secretKey: Uint8Array,
  body: Uint8Array,
): Uint8Array {
  if (secretKey.length !== SIZES.ed25519SecretKey) {
    throw new CryptoError('MALFORMED', 'account secret key has the wrong length');
  }
  return sodium.crypto_sign_detached(concatBytes(labelPrefix(label), body), secretKey);
}

/** Throws BAD_SIGNATURE unless `signature` is the key's labelled signature over `body`. */
export function verifyLabelled(
  sodium: Sodium,
  label: string,
  publicKey: Uint8Array,
  body: Uint8Array,
  signature: Uint8Array,
  what: string,
): void {
  if (publicKey.length !== SIZES.ed25519PublicKey || signature.length !== SIZES.signature) {
    throw new CryptoError(
      'BAD_SIGNATURE',
      `${what}: account key or signature has the wrong length`,
    );
  }
  let valid = false;
  try {
    // libsodium's strict verification also refuses small-order keys and non-canonical R and S,
    // so a valid signature cannot be rewritten into a second valid one (the list hashes it).
    valid = sodium.crypto_sign_verify_detached(
      signature,
      concatBytes(labelPrefix(label), body),
      publicKey,
    );
  } catch {
    valid = false;
  }
  if (!valid) throw new CryptoError('BAD_SIGNATURE', `${what} is not signed by this account key`);
}

/** Splits a signed object into its body and its trailing 64-byte signature. */
export function splitSigned(bytes: Uint8Array, what: string): [Uint8Array, Uint8Array] {
  if (bytes.length < 2 + SIZES.signature)
    throw new CryptoError('MALFORMED', `${what} is truncated`);
  const at = bytes.length - SIZES.signature;
  return [bytes.slice(0, at), bytes.slice(at)];
}
