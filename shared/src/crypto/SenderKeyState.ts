import type { SenderKeyDistribution } from './senderKeyDistribution.js';
import type { Random, Sodium } from './Sodium.js';
import { systemRandom } from './Sodium.js';
import { CryptoError } from './CryptoError.js';
import { ByteReader, ByteWriter } from './bytes.js';
import { E2E_VERSION, GROUP_MAX_SKIPPED_KEYS, RECORD_TYPE, SIZES } from './labels.js';

/**
 * One sender key: the chain of one (group, sender device) (PROTOCOL.md §1.9). The sender's own
 * copy has the signing secret key; a receiver's copy has null there and keeps skipped keys.
 */
export interface SenderKeyState {
  readonly groupId: Uint8Array;
  readonly keyId: number;
  readonly iteration: number;
  readonly chainKey: Uint8Array;
  readonly signingPublicKey: Uint8Array;
  readonly signingSecretKey: Uint8Array | null;
  /** Message keys of skipped iterations, oldest first. */
  readonly skippedKeys: ReadonlyMap<number, Uint8Array>;
}

/**
 * A fresh sender key for our device in `groupId`: new key id, chain key and signing key. Call it
 * again to rotate, whenever a member leaves or is removed (§1.9.3), and distribute the result to
 * the remaining members only. Random draws: key id (4), chain key (32), Ed25519 seed (32).
 */
export function createSenderKey(
  sodium: Sodium,
  groupId: Uint8Array,
  random: Random = systemRandom(sodium),
): SenderKeyState {
  if (groupId.length !== SIZES.groupId)
    throw new CryptoError('MALFORMED', 'group id must be 16 bytes');
  const keyIdBytes = random(4);
  const keyId = new DataView(keyIdBytes.buffer, keyIdBytes.byteOffset, 4).getUint32(0);
  const chainKey = random(SIZES.key);
  const signing = sodium.crypto_sign_seed_keypair(random(SIZES.ed25519Seed));
  return {
    groupId,
    keyId,
    iteration: 0,
    chainKey,
    signingPublicKey: signing.publicKey,
    signingSecretKey: signing.privateKey,
    skippedKeys: new Map(),
  };
}

/** The distribution message for our current sender key (sent inside pairwise content). */
export function senderKeyDistribution(state: SenderKeyState): SenderKeyDistribution {
  return {
    groupId: state.groupId,
    keyId: state.keyId,
    iteration: state.iteration,
    chainKey: state.chainKey,
    signingPublicKey: state.signingPublicKey,
  };
}

/**
 * A receiver's sender key from a distribution. The caller must have received the distribution
 * over an authenticated pairwise session with the sender device, and files it under that device.
 */
export function processSenderKeyDistribution(distribution: SenderKeyDistribution): SenderKeyState {
  return { ...distribution, signingSecretKey: null, skippedKeys: new Map() };
}

/** Sender key record, format version 1 (§1.11.3). */
export function encodeSenderKey(state: SenderKeyState): Uint8Array {
  const w = new ByteWriter()
    .u8(E2E_VERSION)
    .u8(RECORD_TYPE.senderKey)
    .bytes(state.groupId)
    .u32(state.keyId)
    .u32(state.iteration)
    .bytes(state.chainKey)
    .bytes(state.signingPublicKey);
  if (state.signingSecretKey === null) w.u8(0);
  else w.u8(1).bytes(state.signingSecretKey);
  w.u16(state.skippedKeys.size);
  for (const [iteration, key] of state.skippedKeys) w.u32(iteration).bytes(key);
  return w.finish();
}

export function decodeSenderKey(bytes: Uint8Array): SenderKeyState {
  const r = new ByteReader(bytes, 'sender key record');
  r.header(RECORD_TYPE.senderKey);
  const groupId = r.bytes(SIZES.groupId);
  const keyId = r.u32();
  const iteration = r.u32();
  const chainKey = r.bytes(SIZES.key);
  const signingPublicKey = r.bytes(SIZES.ed25519PublicKey);
  const signingSecretKey = r.flag() ? r.bytes(SIZES.ed25519SecretKey) : null;
  const count = r.u16();
  if (count > GROUP_MAX_SKIPPED_KEYS)
    throw new CryptoError('MALFORMED', 'sender key record has too many skipped keys');
  const skippedKeys = new Map<number, Uint8Array>();
  for (let i = 0; i < count; i++) skippedKeys.set(r.u32(), r.bytes(SIZES.key));
  if (skippedKeys.size !== count)
    throw new CryptoError('MALFORMED', 'sender key record repeats a skipped key');
  r.end();
  return { groupId, keyId, iteration, chainKey, signingPublicKey, signingSecretKey, skippedKeys };
}
