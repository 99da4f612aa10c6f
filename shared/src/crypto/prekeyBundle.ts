import type {
  IdentityKeyPair,
  OneTimePrekeyPair,
  PqPrekeyPair,
  PrekeyBundle,
  PublishedPrekey,
  SignedPrekeyPair,
} from './keyTypes.js';
import { publicIdentity } from './keyTypes.js';
import { ByteReader, ByteWriter } from './bytes.js';
import { RECORD_TYPE, SIZES, E2E_VERSION } from './labels.js';

/** The public, signed part of a signed or X-Wing prekey pair. */
export function published(prekey: SignedPrekeyPair | PqPrekeyPair): PublishedPrekey {
  return {
    id: prekey.id,
    createdAt: prekey.createdAt,
    publicKey: prekey.publicKey,
    signature: prekey.signature,
  };
}

/** The bundle a device publishes (PROTOCOL.md §1.4.3); signatures are verified on use. */
export function createPrekeyBundle(
  identity: IdentityKeyPair,
  signedPrekey: SignedPrekeyPair,
  pqPrekey: PqPrekeyPair,
  oneTimePrekey?: OneTimePrekeyPair,
): PrekeyBundle {
  const bundle: PrekeyBundle = {
    identity: publicIdentity(identity),
    signedPrekey: published(signedPrekey),
    pqPrekey: published(pqPrekey),
  };
  return oneTimePrekey === undefined
    ? bundle
    : { ...bundle, oneTimePrekey: { id: oneTimePrekey.id, publicKey: oneTimePrekey.publicKey } };
}

/** §1.4.3 layout; 1531 bytes without a one-time prekey, 1567 with one. */
export function encodePrekeyBundle(bundle: PrekeyBundle): Uint8Array {
  const w = new ByteWriter()
    .u8(E2E_VERSION)
    .u8(RECORD_TYPE.datedBundle)
    .bytes(bundle.identity.signingPublicKey)
    .bytes(bundle.identity.dhPublicKey)
    .bytes(bundle.identity.dhSignature)
    .u32(bundle.signedPrekey.id)
    .u64(bundle.signedPrekey.createdAt)
    .bytes(bundle.signedPrekey.publicKey)
    .bytes(bundle.signedPrekey.signature)
    .u32(bundle.pqPrekey.id)
    .u64(bundle.pqPrekey.createdAt)
    .bytes(bundle.pqPrekey.publicKey)
    .bytes(bundle.pqPrekey.signature);
  if (bundle.oneTimePrekey === undefined) {
    w.u8(0);
  } else {
    w.u8(1).u32(bundle.oneTimePrekey.id).bytes(bundle.oneTimePrekey.publicKey);
  }
  return w.finish();
}

/**
 * Parses a bundle; throws MALFORMED / UNSUPPORTED_VERSION (an undated 0x14 bundle is MALFORMED:
 * its record type is no longer known). Signatures and dates are checked on use.
 */
export function decodePrekeyBundle(bytes: Uint8Array): PrekeyBundle {
  const r = new ByteReader(bytes, 'prekey bundle');
  r.header(RECORD_TYPE.datedBundle);
  const identity = {
    signingPublicKey: r.bytes(SIZES.ed25519PublicKey),
    dhPublicKey: r.bytes(SIZES.x25519),
    dhSignature: r.bytes(SIZES.signature),
  };
  const signedPrekey = {
    id: r.u32(),
    createdAt: r.u64(),
    publicKey: r.bytes(SIZES.x25519),
    signature: r.bytes(SIZES.signature),
  };
  const pqPrekey = {
    id: r.u32(),
    createdAt: r.u64(),
    publicKey: r.bytes(SIZES.xwingPublicKey),
    signature: r.bytes(SIZES.signature),
  };
  const hasOneTime = r.flag();
  const bundle: PrekeyBundle = hasOneTime
    ? {
        identity,
        signedPrekey,
        pqPrekey,
        oneTimePrekey: { id: r.u32(), publicKey: r.bytes(SIZES.x25519) },
      }
    : { identity, signedPrekey, pqPrekey };
  r.end();
  return bundle;
}
