/**
 * Key records of one device (PROTOCOL.md §1.4). Byte arrays are treated as immutable everywhere
 * in this library: functions return new records and never write into the arrays they are given.
 */

/** Device identity: Ed25519 signing key plus an X25519 DH key signed by it. */
export interface IdentityKeyPair {
  /** Ed25519 public key: the device's identity key, shown in safety numbers. */
  readonly signingPublicKey: Uint8Array;
  /** Ed25519 secret key, libsodium layout (seed || public key), 64 bytes. */
  readonly signingSecretKey: Uint8Array;
  readonly dhPublicKey: Uint8Array;
  readonly dhSecretKey: Uint8Array;
  /** Prekey signature (§1.4) over the DH key, type identityDh, id 0. */
  readonly dhSignature: Uint8Array;
}

/** The public half of an identity, as carried in bundles and first messages. */
export interface PublicIdentity {
  readonly signingPublicKey: Uint8Array;
  readonly dhPublicKey: Uint8Array;
  readonly dhSignature: Uint8Array;
}

export interface SignedPrekeyPair {
  readonly id: number;
  /** Milliseconds since the epoch; drives rotation and the grace period. */
  readonly createdAt: number;
  readonly publicKey: Uint8Array;
  readonly secretKey: Uint8Array;
  readonly signature: Uint8Array;
}

export interface OneTimePrekeyPair {
  readonly id: number;
  readonly publicKey: Uint8Array;
  readonly secretKey: Uint8Array;
}

/** Signed X-Wing (X25519 + ML-KEM-768) prekey; the secret key is the 32-byte X-Wing seed. */
export interface PqPrekeyPair {
  readonly id: number;
  readonly createdAt: number;
  readonly publicKey: Uint8Array;
  readonly secretKey: Uint8Array;
  readonly signature: Uint8Array;
}

/** A signed or X-Wing prekey as published: its signature covers the id and creation time. */
export interface PublishedPrekey {
  readonly id: number;
  /** Milliseconds since the epoch, signed: senders refuse keys older than MAX_PREKEY_AGE_MS. */
  readonly createdAt: number;
  readonly publicKey: Uint8Array;
  readonly signature: Uint8Array;
}

/** What a device publishes so others can start a session with it (§1.4.3). */
export interface PrekeyBundle {
  readonly identity: PublicIdentity;
  readonly signedPrekey: PublishedPrekey;
  readonly pqPrekey: PublishedPrekey;
  /** Absent when the device's one-time prekeys are exhausted (the handshake then uses 3 DHs). */
  readonly oneTimePrekey?: { readonly id: number; readonly publicKey: Uint8Array };
}

/** Public part of an identity key pair. */
export function publicIdentity(identity: IdentityKeyPair): PublicIdentity {
  return {
    signingPublicKey: identity.signingPublicKey,
    dhPublicKey: identity.dhPublicKey,
    dhSignature: identity.dhSignature,
  };
}
