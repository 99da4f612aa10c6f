import type { SessionState } from './SessionState.js';
import { copySession } from './SessionState.js';
import type { Random, Sodium } from './Sodium.js';
import { systemRandom } from './Sodium.js';
import { CryptoError } from './CryptoError.js';
import { LABELS, MAX_COUNTER, SIZES } from './labels.js';
import { messageAssociatedData } from './messageAssociatedData.js';
import { sealMessage } from './messageCipher.js';
import { paddedLength } from './padding.js';
import { RATCHET_HEADER_LENGTH, writeRatchetHeader } from './pairwiseMessage.js';

export interface EncryptResult {
  /** The caller must persist this state before sending `message` (a reused key is a break). */
  readonly session: SessionState;
  readonly message: Uint8Array;
}

/**
 * Double Ratchet §3.4 RatchetEncrypt with XChaCha20-Poly1305 (PROTOCOL.md §1.6.2): step the
 * sending chain, pad the content to its bucket, encrypt under a random 24-byte nonce. While the
 * handshake is unanswered the prekey prefix goes in front (§1.7.2). Random draws: nonce (24).
 */
export function encryptMessage(
  sodium: Sodium,
  session: SessionState,
  content: Uint8Array,
  random: Random = systemRandom(sodium),
): EncryptResult {
  if (session.sendingChainKey === null) {
    throw new CryptoError('NO_SESSION', 'session has no sending chain yet');
  }
  if (session.sendingCounter >= MAX_COUNTER) {
    throw new CryptoError('COUNTER_EXHAUSTED', 'sending chain counter is exhausted');
  }
  // The whole message in one allocation: [prekey prefix] ‖ header ‖ nonce ‖ ciphertext.
  const prefix = session.pendingPrekey;
  const headerAt = prefix ? prefix.length : 0;
  const bodyAt = headerAt + RATCHET_HEADER_LENGTH;
  const message = new Uint8Array(bodyAt + SIZES.nonce + paddedLength(content.length) + SIZES.tag);
  if (prefix) message.set(prefix);
  writeRatchetHeader(
    message,
    headerAt,
    session.sendingRatchetPublicKey,
    session.previousSendingCounter,
    session.sendingCounter,
  );
  const header = message.subarray(headerAt, bodyAt);
  const chainKey = sealMessage(
    sodium,
    session.sendingChainKey,
    LABELS.chainStep,
    messageAssociatedData(session.localIdentityKey, session.remoteIdentityKey, header),
    content,
    random(SIZES.nonce),
    message,
    bodyAt,
  );
  const next = copySession(session);
  next.sendingChainKey = chainKey;
  next.sendingCounter = session.sendingCounter + 1;
  return { session: next, message };
}
