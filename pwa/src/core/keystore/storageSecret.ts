/**
 * The secret that seals this device's chat records, and its wrapping by passkey PRF outputs
 * (DESIGN §4: "PRF … yields a key that wraps the PWA's local keystore").
 *
 * One random 32-byte storage secret per account database. The record keys are derived from it
 * (HKDF-SHA-256, RFC 5869), so the database never holds them. For each passkey whose PRF output
 * this device has seen, a wrap entry holds the secret sealed with AES-256-GCM under a key derived
 * from that output: any of those passkeys opens the store, and adding or removing one never
 * re-seals a record. Everything here is WebCrypto, available in browsers and in Node alike.
 */

/** HKDF `info` labels: each derived key has its own, so one can never stand in for another. */
export const STORAGE_SEAL_LABEL = 'VaultRoom storage seal v1';
export const STORAGE_NAME_LABEL = 'VaultRoom storage name v1';
export const STORAGE_WRAP_LABEL = 'VaultRoom storage wrap v1';
export const STORAGE_SECRET_BYTES = 32;

export type KeystoreErrorCode =
  /** The wrap entry did not open with this PRF output (another passkey, or tampering). */
  | 'WRAP_MISMATCH'
  /** A value of the wrong shape where a secret or a PRF output was expected. */
  | 'BAD_KEY_MATERIAL';

export class KeystoreError extends Error {
  override readonly name = 'KeystoreError';
  constructor(
    readonly code: KeystoreErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** The keys records are sealed with: both non-extractable, so no script can read them out. */
export interface StorageKeys {
  /** AES-256-GCM: seals every value. */
  readonly seal: CryptoKey;
  /** HMAC-SHA-256: hides key groups (handles) in record keys. */
  readonly name: CryptoKey;
}

/** The secret sealed for one passkey, as stored beside the records. */
export interface WrapEntry {
  /** The passkey's credential id (base64url), as WebAuthn reports it. */
  readonly credentialId: string;
  readonly iv: Uint8Array<ArrayBuffer>;
  /** Ciphertext and GCM tag: 48 bytes. */
  readonly data: ArrayBuffer;
}

const encoder = new TextEncoder();
const NO_SALT = new Uint8Array(0);

function checkLength(bytes: Uint8Array, what: string): void {
  // The PRF output (WebAuthn L3 §10.1.4) and our secret are both 32 bytes; anything else is a bug.
  if (bytes.length !== STORAGE_SECRET_BYTES) {
    throw new KeystoreError(
      'BAD_KEY_MATERIAL',
      `${what}: expected ${STORAGE_SECRET_BYTES} bytes, got ${bytes.length}`,
    );
  }
}

async function hkdfBase(material: Uint8Array): Promise<CryptoKey> {
  return crypto.subtle.importKey('raw', Uint8Array.from(material), 'HKDF', false, ['deriveKey']);
}

// Salt: none. The input keying material is already uniformly random (a fresh secret, a PRF
// output), where RFC 5869 §3.1 says a salt adds nothing; the info label does the separation.
const hkdf = (info: string) => ({
  name: 'HKDF',
  hash: 'SHA-256',
  salt: NO_SALT,
  info: encoder.encode(info),
});

/** A fresh storage secret for a new (or re-sealed) database. */
export function createStorageSecret(): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(STORAGE_SECRET_BYTES));
}

/** The record keys of a database, derived from its storage secret. */
export async function deriveStorageKeys(secret: Uint8Array): Promise<StorageKeys> {
  checkLength(secret, 'storage secret');
  const base = await hkdfBase(secret);
  const [seal, name] = await Promise.all([
    crypto.subtle.deriveKey(
      hkdf(STORAGE_SEAL_LABEL),
      base,
      { name: 'AES-GCM', length: 256 },
      false,
      ['encrypt', 'decrypt'],
    ),
    crypto.subtle.deriveKey(
      hkdf(STORAGE_NAME_LABEL),
      base,
      { name: 'HMAC', hash: 'SHA-256', length: 256 },
      false,
      ['sign'],
    ),
  ]);
  return { seal, name };
}

async function wrapKey(prfOutput: Uint8Array): Promise<CryptoKey> {
  checkLength(prfOutput, 'PRF output');
  return crypto.subtle.deriveKey(
    hkdf(STORAGE_WRAP_LABEL),
    await hkdfBase(prfOutput),
    { name: 'AES-GCM', length: 256 },
    false,
    ['encrypt', 'decrypt'],
  );
}

// Binds an entry to its account and passkey: copied to another account's database or another
// credential id, it no longer opens.
const wrapAssociatedData = (accountId: string, credentialId: string) =>
  encoder.encode(`${STORAGE_WRAP_LABEL}\n${accountId}\n${credentialId}`);

/** Seals the storage secret for one passkey, under a key derived from its PRF output. */
export async function wrapStorageSecret(input: {
  readonly secret: Uint8Array;
  readonly prfOutput: Uint8Array;
  readonly accountId: string;
  readonly credentialId: string;
}): Promise<WrapEntry> {
  checkLength(input.secret, 'storage secret');
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const data = await crypto.subtle.encrypt(
    {
      name: 'AES-GCM',
      iv,
      additionalData: wrapAssociatedData(input.accountId, input.credentialId),
    },
    await wrapKey(input.prfOutput),
    Uint8Array.from(input.secret),
  );
  return { credentialId: input.credentialId, iv, data };
}

/**
 * Opens a wrap entry with the PRF output of its passkey. Throws `WRAP_MISMATCH` when the output
 * is another passkey's, or the entry was changed or moved.
 */
export async function unwrapStorageSecret(
  entry: WrapEntry,
  prfOutput: Uint8Array,
  accountId: string,
): Promise<Uint8Array> {
  const key = await wrapKey(prfOutput);
  let plain: ArrayBuffer;
  try {
    plain = await crypto.subtle.decrypt(
      {
        name: 'AES-GCM',
        iv: entry.iv,
        additionalData: wrapAssociatedData(accountId, entry.credentialId),
      },
      key,
      entry.data,
    );
  } catch {
    throw new KeystoreError('WRAP_MISMATCH', 'This passkey does not open the storage secret');
  }
  const secret = new Uint8Array(plain);
  checkLength(secret, 'storage secret');
  return secret;
}
