import type { OneTimePrekeyPair, PqPrekeyPair, SignedPrekeyPair } from './keyTypes.js';
import type { SessionState } from './SessionState.js';
import type { SenderKeyState } from './SenderKeyState.js';

/**
 * Stores only load and save (as in libsignal); protocol logic lives in the operations.
 * The caller owns transactions: an operation makes all its writes after its last check.
 * `address` is the caller's opaque name for one remote device.
 */
export interface SessionStore {
  loadSession(address: string): Promise<SessionState | undefined>;
  storeSession(address: string, session: SessionState): Promise<void>;
}

export interface PrekeyStore {
  loadSignedPrekey(id: number): Promise<SignedPrekeyPair | undefined>;
  loadPqPrekey(id: number): Promise<PqPrekeyPair | undefined>;
  loadOneTimePrekey(id: number): Promise<OneTimePrekeyPair | undefined>;
  removeOneTimePrekey(id: number): Promise<void>;
  /**
   * Handshake ids (§1.5.5, 32 bytes) already accepted. Entries may be dropped once the signed prekey they
   * used is retired, since the handshake can then no longer complete (PROTOCOL.md §1.5.5).
   */
  hasHandshake(handshakeId: Uint8Array): Promise<boolean>;
  recordHandshake(handshakeId: Uint8Array, signedPrekeyId: number): Promise<void>;
}

/**
 * Sender keys by (group, device address). Our own sender key for a group is filed under our own
 * device address; others' under the address of the pairwise session that delivered them.
 */
export interface SenderKeyStore {
  loadSenderKey(groupId: Uint8Array, address: string): Promise<SenderKeyState | undefined>;
  storeSenderKey(groupId: Uint8Array, address: string, state: SenderKeyState): Promise<void>;
  /** Deletes every sender key of `address` in the group (a member left or was removed). */
  removeSenderKeys(groupId: Uint8Array, address: string): Promise<void>;
}
