import type {
  IdentityKeyPair,
  OneTimePrekeyPair,
  PqPrekeyPair,
  SignedPrekeyPair,
} from './keyTypes.js';
import { ByteReader, ByteWriter } from './bytes.js';
import { E2E_VERSION, RECORD_TYPE, SIZES } from './labels.js';

/* Key records, format version 1 (PROTOCOL.md §1.11.1). They hold secret keys. */

export function encodeIdentityKeyPair(identity: IdentityKeyPair): Uint8Array {
  return new ByteWriter()
    .u8(E2E_VERSION)
    .u8(RECORD_TYPE.identity)
    .bytes(identity.signingSecretKey)
    .bytes(identity.dhSecretKey)
    .bytes(identity.dhPublicKey)
    .bytes(identity.dhSignature)
    .finish();
}

export function decodeIdentityKeyPair(bytes: Uint8Array): IdentityKeyPair {
  const r = new ByteReader(bytes, 'identity record');
  r.header(RECORD_TYPE.identity);
  const signingSecretKey = r.bytes(SIZES.ed25519SecretKey);
  const identity: IdentityKeyPair = {
    // libsodium's Ed25519 secret key is seed || public key.
    signingPublicKey: signingSecretKey.slice(SIZES.ed25519Seed),
    signingSecretKey,
    dhSecretKey: r.bytes(SIZES.x25519),
    dhPublicKey: r.bytes(SIZES.x25519),
    dhSignature: r.bytes(SIZES.signature),
  };
  r.end();
  return identity;
}

export function encodeSignedPrekey(prekey: SignedPrekeyPair): Uint8Array {
  return new ByteWriter()
    .u8(E2E_VERSION)
    .u8(RECORD_TYPE.signedPrekey)
    .u32(prekey.id)
    .u64(prekey.createdAt)
    .bytes(prekey.secretKey)
    .bytes(prekey.publicKey)
    .bytes(prekey.signature)
    .finish();
}

export function decodeSignedPrekey(bytes: Uint8Array): SignedPrekeyPair {
  const r = new ByteReader(bytes, 'signed prekey record');
  r.header(RECORD_TYPE.signedPrekey);
  const prekey = {
    id: r.u32(),
    createdAt: r.u64(),
    secretKey: r.bytes(SIZES.x25519),
    publicKey: r.bytes(SIZES.x25519),
    signature: r.bytes(SIZES.signature),
  };
  r.end();
  return prekey;
}

export function encodePqPrekey(prekey: PqPrekeyPair): Uint8Array {
  return new ByteWriter()
    .u8(E2E_VERSION)
    .u8(RECORD_TYPE.pqPrekey)
    .u32(prekey.id)
    .u64(prekey.createdAt)
    .bytes(prekey.secretKey)
    .bytes(prekey.publicKey)
    .bytes(prekey.signature)
    .finish();
}

export function decodePqPrekey(bytes: Uint8Array): PqPrekeyPair {
  const r = new ByteReader(bytes, 'X-Wing prekey record');
  r.header(RECORD_TYPE.pqPrekey);
  const prekey = {
    id: r.u32(),
    createdAt: r.u64(),
    secretKey: r.bytes(SIZES.xwingSecretKey),
    publicKey: r.bytes(SIZES.xwingPublicKey),
    signature: r.bytes(SIZES.signature),
  };
  r.end();
  return prekey;
}

export function encodeOneTimePrekey(prekey: OneTimePrekeyPair): Uint8Array {
  return new ByteWriter()
    .u8(E2E_VERSION)
    .u8(RECORD_TYPE.oneTimePrekey)
    .u32(prekey.id)
    .bytes(prekey.secretKey)
    .bytes(prekey.publicKey)
    .finish();
}

export function decodeOneTimePrekey(bytes: Uint8Array): OneTimePrekeyPair {
  const r = new ByteReader(bytes, 'one-time prekey record');
  r.header(RECORD_TYPE.oneTimePrekey);
  const prekey = {
    id: r.u32(),
    secretKey: r.bytes(SIZES.x25519),
    publicKey: r.bytes(SIZES.x25519),
  };
  r.end();
  return prekey;
}
