import type { SessionState } from './SessionState.js';
import type { Random, Sodium } from './Sodium.js';
import { systemRandom } from './Sodium.js';
import { CryptoError } from './CryptoError.js';
import { concatBytes } from './bytes.js';
import { MAX_COUNTER, SIZES } from './labels.js';
import { messageAssociatedData } from './messageAssociatedData.js';
import { padPlaintext } from './padding.js';
import { encodeRatchetHeader } from './pairwiseMessage.js';
import { kdfChain } from './ratchetKdf.js';

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
  const padded = padPlaintext(content);
  const { chainKey, messageKey } = kdfChain(sodium, session.sendingChainKey);
  const header = encodeRatchetHeader(
    session.sendingRatchetPublicKey,
    session.previousSendingCounter,
    session.sendingCounter,
  );
  const nonce = random(SIZES.nonce);
  const ad = messageAssociatedData(session.localIdentityKey, session.remoteIdentityKey, header);
  const ciphertext = sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(
    padded,
    ad,
    null,
    nonce,
    messageKey,
  );
  const body = concatBytes(header, nonce, ciphertext);
  return {
    session: { ...session, sendingChainKey: chainKey, sendingCounter: session.sendingCounter + 1 },
    message: session.pendingPrekey ? concatBytes(session.pendingPrekey, body) : body,
  };
}
