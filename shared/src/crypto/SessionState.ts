/** A skipped message key (Double Ratchet spec §3.2 MKSKIPPED entry). */
export interface SkippedKey {
  readonly ratchetKey: Uint8Array;
  readonly counter: number;
  readonly messageKey: Uint8Array;
}

/**
 * One pairwise Double Ratchet session (PROTOCOL.md §1.6), as a value: operations return a new
 * state and never modify the one they were given, so a failed decrypt cannot leave a trace.
 */
export interface SessionState {
  /** Our Ed25519 identity key and the peer's; both go into every message's associated data. */
  readonly localIdentityKey: Uint8Array;
  readonly remoteIdentityKey: Uint8Array;
  /** Hash of the prekey-message prefix (§1.5.5); names the handshake for replay detection. */
  readonly handshakeId: Uint8Array;
  readonly rootKey: Uint8Array;
  readonly sendingRatchetSecretKey: Uint8Array;
  readonly sendingRatchetPublicKey: Uint8Array;
  readonly receivingRatchetKey: Uint8Array | null;
  readonly sendingChainKey: Uint8Array | null;
  readonly sendingCounter: number;
  readonly previousSendingCounter: number;
  readonly receivingChainKey: Uint8Array | null;
  readonly receivingCounter: number;
  /** Receiving ratchet keys of finished chains, newest last, so their replays are named REPLAY. */
  readonly previousRatchetKeys: readonly Uint8Array[];
  /** Keyed by skippedKeyId; Map insertion order is age order, so eviction takes the first. */
  readonly skippedKeys: ReadonlyMap<string, SkippedKey>;
  /**
   * Initiator only: the prekey-message prefix (§1.7.2) repeated on every message until the peer
   * answers, so the handshake completes even if the first message is lost or reordered.
   */
  readonly pendingPrekey: Uint8Array | null;
}

/** A SessionState whose fields an operation may set while it builds the state it returns. */
export type SessionDraft = { -readonly [K in keyof SessionState]: SessionState[K] };

/**
 * A field-by-field copy of `session`, for an operation to change and return (the one passed in
 * stays as it was). Written out rather than spread because it runs for every message: every copy
 * then has one shape, which V8 builds and updates several times faster than it clones objects
 * of the many shapes sessions arrive in (decoded, initiated, accepted).
 */
export function copySession(session: SessionState): SessionDraft {
  return {
    localIdentityKey: session.localIdentityKey,
    remoteIdentityKey: session.remoteIdentityKey,
    handshakeId: session.handshakeId,
    rootKey: session.rootKey,
    sendingRatchetSecretKey: session.sendingRatchetSecretKey,
    sendingRatchetPublicKey: session.sendingRatchetPublicKey,
    receivingRatchetKey: session.receivingRatchetKey,
    sendingChainKey: session.sendingChainKey,
    sendingCounter: session.sendingCounter,
    previousSendingCounter: session.previousSendingCounter,
    receivingChainKey: session.receivingChainKey,
    receivingCounter: session.receivingCounter,
    previousRatchetKeys: session.previousRatchetKeys,
    skippedKeys: session.skippedKeys,
    pendingPrekey: session.pendingPrekey,
  };
}
