import type {
  IdentityKeyPair,
  OneTimePrekeyPair,
  PqPrekeyPair,
  SignedPrekeyPair,
} from './keyTypes.js';
import type { PrekeyMessage } from './pairwiseMessage.js';
import type { SessionState } from './SessionState.js';
import type { Sodium } from './Sodium.js';
import { CryptoError } from './CryptoError.js';
import { diffieHellman } from './diffieHellman.js';
import { handshakeId } from './handshakeId.js';
import { handshakeSecret } from './handshakeSecret.js';
import { verifyPrekeySignature } from './prekeySignature.js';

export interface AcceptedPrekeys {
  readonly signedPrekey: SignedPrekeyPair;
  readonly pqPrekey: PqPrekeyPair;
  /** Required exactly when the message names a one-time prekey. */
  readonly oneTimePrekey?: OneTimePrekeyPair;
}

/**
 * Responder side of the handshake (PROTOCOL.md §1.5.4): check the initiator's identity DH
 * signature, recompute DH1..DH4 and decapsulate, then RatchetInitBob (Double Ratchet §3.3) with
 * the signed prekey as our first ratchet key pair. The returned state has no chains yet; the
 * caller decrypts the inner message with it, and persists nothing unless that succeeds.
 */
export function acceptSession(
  sodium: Sodium,
  identity: IdentityKeyPair,
  message: PrekeyMessage,
  prekeys: AcceptedPrekeys,
): SessionState {
  const { signedPrekey, pqPrekey, oneTimePrekey } = prekeys;
  if (
    signedPrekey.id !== message.signedPrekeyId ||
    pqPrekey.id !== message.pqPrekeyId ||
    (oneTimePrekey?.id ?? null) !== message.oneTimePrekeyId
  ) {
    throw new CryptoError('UNKNOWN_PREKEY', 'prekeys do not match the ids in the message');
  }
  verifyPrekeySignature(
    sodium,
    message.senderIdentityKey,
    { kind: 'identityDh' },
    message.senderDhKey,
    message.senderDhSignature,
  );
  const dh1 = diffieHellman(sodium, signedPrekey.secretKey, message.senderDhKey);
  const dh2 = diffieHellman(sodium, identity.dhSecretKey, message.ephemeralKey);
  const dh3 = diffieHellman(sodium, signedPrekey.secretKey, message.ephemeralKey);
  const dh4 = oneTimePrekey
    ? diffieHellman(sodium, oneTimePrekey.secretKey, message.ephemeralKey)
    : null;
  let pqSharedSecret: Uint8Array;
  try {
    // ML-KEM decapsulation rejects implicitly (a pseudo-random secret), so a bad ciphertext
    // surfaces later as DECRYPT_FAILED; a throw here means a malformed key or ciphertext.
    pqSharedSecret = sodium.crypto_kem_xwing_dec(message.pqCiphertext, pqPrekey.secretKey);
  } catch {
    throw new CryptoError('DECRYPT_FAILED', 'X-Wing decapsulation failed');
  }
  const rootKey = handshakeSecret(sodium, {
    dh1,
    dh2,
    dh3,
    dh4,
    pqSharedSecret,
    initiatorIdentityKey: message.senderIdentityKey,
    initiatorDhKey: message.senderDhKey,
    responderIdentityKey: identity.signingPublicKey,
    responderDhKey: identity.dhPublicKey,
    ephemeralKey: message.ephemeralKey,
    signedPrekey: signedPrekey.publicKey,
    oneTimePrekey: oneTimePrekey?.publicKey ?? null,
    pqPrekey: pqPrekey.publicKey,
    pqCiphertext: message.pqCiphertext,
  });
  return {
    localIdentityKey: identity.signingPublicKey,
    remoteIdentityKey: message.senderIdentityKey,
    handshakeId: handshakeId(sodium, message.prefix),
    rootKey,
    sendingRatchetSecretKey: signedPrekey.secretKey,
    sendingRatchetPublicKey: signedPrekey.publicKey,
    receivingRatchetKey: null,
    sendingChainKey: null,
    sendingCounter: 0,
    previousSendingCounter: 0,
    receivingChainKey: null,
    receivingCounter: 0,
    previousRatchetKeys: [],
    skippedKeys: new Map(),
    pendingPrekey: null,
  };
}
