import { CryptoError } from './CryptoError.js';
import { ByteReader, ByteWriter } from './bytes.js';
import { E2E_VERSION, RECORD_TYPE, SIZES } from './labels.js';

/**
 * What a group member sends each other member over their pairwise sessions so they can read its
 * group messages (PROTOCOL.md §1.9.1): the chain key at `iteration` and the public signing key.
 */
export interface SenderKeyDistribution {
  readonly groupId: Uint8Array;
  readonly keyId: number;
  readonly iteration: number;
  readonly chainKey: Uint8Array;
  readonly signingPublicKey: Uint8Array;
}

export function encodeSenderKeyDistribution(distribution: SenderKeyDistribution): Uint8Array {
  if (
    distribution.groupId.length !== SIZES.groupId ||
    distribution.chainKey.length !== SIZES.key ||
    distribution.signingPublicKey.length !== SIZES.ed25519PublicKey
  ) {
    throw new CryptoError('MALFORMED', 'sender key distribution has a field of the wrong length');
  }
  return new ByteWriter()
    .u8(E2E_VERSION)
    .u8(RECORD_TYPE.senderKeyDistribution)
    .bytes(distribution.groupId)
    .u32(distribution.keyId)
    .u32(distribution.iteration)
    .bytes(distribution.chainKey)
    .bytes(distribution.signingPublicKey)
    .finish();
}

export function decodeSenderKeyDistribution(bytes: Uint8Array): SenderKeyDistribution {
  const r = new ByteReader(bytes, 'sender key distribution');
  r.header(RECORD_TYPE.senderKeyDistribution);
  const distribution = {
    groupId: r.bytes(SIZES.groupId),
    keyId: r.u32(),
    iteration: r.u32(),
    chainKey: r.bytes(SIZES.key),
    signingPublicKey: r.bytes(SIZES.ed25519PublicKey),
  };
  r.end();
  return distribution;
}
