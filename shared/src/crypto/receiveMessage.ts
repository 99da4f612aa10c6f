import type { IdentityKeyPair } from './keyTypes.js';
import type { PrekeyStore, SessionStore } from './stores.js';
import type { Random, Sodium } from './Sodium.js';
import { systemRandom } from './Sodium.js';
import { CryptoError } from './CryptoError.js';
import { acceptSession } from './acceptSession.js';
import { equalBytes } from './bytes.js';
import { decryptMessage } from './decryptMessage.js';
import { handshakeId } from './handshakeId.js';
import { decodePrekeyMessage, decodeRatchetMessage, peekMessageType } from './pairwiseMessage.js';

export interface ReceiveResult {
  readonly content: Uint8Array;
  /**
   * The sender's Ed25519 identity key as bound into this session. The caller compares it with
   * the key it knows for `address` (see compareIdentityKeys) and tells the user of any change.
   */
  readonly remoteIdentityKey: Uint8Array;
  /** True when this message created a new session (a completed handshake). */
  readonly newSession: boolean;
}

/**
 * Decrypts a pairwise message from the device at `address` (PROTOCOL.md §1.5.5, §1.6).
 * A prekey message whose handshake matches the stored session is an ordinary message of that
 * session; a new handshake is accepted at most once (replays are REPLAY, never a second
 * session), and its one-time prekey is deleted once the first message decrypts.
 * Stores are written only after every check has passed.
 */
export async function receiveMessage(
  sodium: Sodium,
  stores: { readonly sessions: SessionStore; readonly prekeys: PrekeyStore },
  identity: IdentityKeyPair,
  address: string,
  bytes: Uint8Array,
  random: Random = systemRandom(sodium),
): Promise<ReceiveResult> {
  const existing = await stores.sessions.loadSession(address);
  if (peekMessageType(bytes) === 'ratchet') {
    if (!existing) throw new CryptoError('NO_SESSION', 'no session with this device');
    const result = decryptMessage(sodium, existing, decodeRatchetMessage(bytes), random);
    await stores.sessions.storeSession(address, result.session);
    return {
      content: result.content,
      remoteIdentityKey: existing.remoteIdentityKey,
      newSession: false,
    };
  }

  const message = decodePrekeyMessage(bytes);
  const id = handshakeId(sodium, message.prefix);
  if (existing && equalBytes(existing.handshakeId, id)) {
    // Later (or reordered) message of the handshake we already accepted.
    const result = decryptMessage(sodium, existing, message.message, random);
    await stores.sessions.storeSession(address, result.session);
    return {
      content: result.content,
      remoteIdentityKey: existing.remoteIdentityKey,
      newSession: false,
    };
  }
  if (await stores.prekeys.hasHandshake(id)) {
    throw new CryptoError('REPLAY', 'handshake was already accepted');
  }
  const signedPrekey = await stores.prekeys.loadSignedPrekey(message.signedPrekeyId);
  const pqPrekey = await stores.prekeys.loadPqPrekey(message.pqPrekeyId);
  const oneTimePrekey =
    message.oneTimePrekeyId === null
      ? undefined
      : await stores.prekeys.loadOneTimePrekey(message.oneTimePrekeyId);
  if (!signedPrekey || !pqPrekey || (message.oneTimePrekeyId !== null && !oneTimePrekey)) {
    throw new CryptoError('UNKNOWN_PREKEY', 'message names a prekey this device does not hold');
  }
  const accepted = acceptSession(sodium, identity, message, {
    signedPrekey,
    pqPrekey,
    ...(oneTimePrekey ? { oneTimePrekey } : {}),
  });
  const result = decryptMessage(sodium, accepted, message.message, random);
  // Commit: the handshake is authenticated by the AEAD tag of its first message.
  await stores.prekeys.recordHandshake(id, message.signedPrekeyId);
  if (message.oneTimePrekeyId !== null)
    await stores.prekeys.removeOneTimePrekey(message.oneTimePrekeyId);
  await stores.sessions.storeSession(address, result.session);
  return {
    content: result.content,
    remoteIdentityKey: accepted.remoteIdentityKey,
    newSession: true,
  };
}
