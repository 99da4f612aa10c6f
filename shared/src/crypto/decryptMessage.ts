import type { RatchetMessage } from './pairwiseMessage.js';
import type { SessionState, SkippedKey } from './SessionState.js';
import { copySession } from './SessionState.js';
import type { Random, Sodium } from './Sodium.js';
import { systemRandom } from './Sodium.js';
import { CryptoError } from './CryptoError.js';
import { equalBytes, toHex } from './bytes.js';
import { diffieHellman } from './diffieHellman.js';
import { LABELS, MAX_PREVIOUS_RATCHET_KEYS, MAX_SKIP, MAX_SKIPPED_KEYS, SIZES } from './labels.js';
import { messageAssociatedData } from './messageAssociatedData.js';
import { openMessage, type OpenedMessage } from './messageCipher.js';
import { kdfChain, kdfRoot } from './ratchetKdf.js';

export interface DecryptResult {
  /** The caller persists this state (it replaces the one passed in) only on success. */
  readonly session: SessionState;
  readonly content: Uint8Array;
}

function skippedKeyId(ratchetKey: Uint8Array, counter: number): string {
  return `${toHex(ratchetKey)}:${counter}`;
}

/**
 * AEAD-Decrypt then unpad (PROTOCOL.md §1.6.2 step 5) with a skipped message key, or (with
 * `chainStep`) with the message key of KDF_CK(key), whose next chain key is returned too.
 */
function open(
  sodium: Sodium,
  session: SessionState,
  message: RatchetMessage,
  key: Uint8Array,
  chainStep: boolean,
): OpenedMessage {
  return openMessage(
    sodium,
    key,
    chainStep ? LABELS.chainStep : null,
    messageAssociatedData(session.remoteIdentityKey, session.localIdentityKey, message.header),
    message.nonce,
    message.ciphertext,
    'message',
  );
}

/** §3.5 SkipMessageKeys into `skipped` (a private copy), then the total cap, oldest first. */
function skipKeys(
  sodium: Sodium,
  skipped: Map<string, SkippedKey>,
  chainKey: Uint8Array,
  ratchetKey: Uint8Array,
  from: number,
  until: number,
): Uint8Array {
  let ck = chainKey;
  for (let n = from; n < until; n++) {
    const step = kdfChain(sodium, ck);
    skipped.set(skippedKeyId(ratchetKey, n), {
      ratchetKey,
      counter: n,
      messageKey: step.messageKey,
    });
    ck = step.chainKey;
  }
  // Map iteration order is insertion order, so the first keys are the oldest.
  for (const key of skipped.keys()) {
    if (skipped.size <= MAX_SKIPPED_KEYS) break;
    skipped.delete(key);
  }
  return ck;
}

/**
 * Double Ratchet §3.5 RatchetDecrypt (PROTOCOL.md §1.6.2) on an immutable state: every change
 * is made to fresh objects and returned only after the AEAD tag verifies, so a failure of any
 * kind leaves the caller's state byte-identical. Limits (§1.6.4) are checked before any key is
 * derived, so a forged header costs at most MAX_SKIP chain steps and stores nothing.
 * Random draws (only on a DH ratchet step): our next ratchet key (32).
 */
export function decryptMessage(
  sodium: Sodium,
  session: SessionState,
  message: RatchetMessage,
  random: Random = systemRandom(sodium),
): DecryptResult {
  // §3.5 TrySkippedMessageKeys.
  const id = session.skippedKeys.size > 0 ? skippedKeyId(message.ratchetKey, message.counter) : '';
  const stored = session.skippedKeys.get(id);
  if (stored) {
    const { content } = open(sodium, session, message, stored.messageKey, false);
    const skippedKeys = new Map(session.skippedKeys);
    skippedKeys.delete(id);
    const next = copySession(session);
    next.skippedKeys = skippedKeys;
    next.pendingPrekey = null;
    return { session: next, content };
  }

  // Copied on first write only, so the common no-skip path allocates nothing.
  let skipped: Map<string, SkippedKey> | null = null;

  const next = copySession(session);
  let chainKey: Uint8Array;
  if (session.receivingRatchetKey && equalBytes(message.ratchetKey, session.receivingRatchetKey)) {
    if (session.receivingChainKey === null) {
      throw new CryptoError('DECRYPT_FAILED', 'message uses a ratchet key with no receiving chain');
    }
    if (message.counter < session.receivingCounter) {
      throw new CryptoError('REPLAY', 'message key was already used or evicted');
    }
    if (message.counter - session.receivingCounter > MAX_SKIP) {
      throw new CryptoError('MAX_SKIP_EXCEEDED', `message skips more than ${MAX_SKIP} keys`);
    }
    chainKey = session.receivingChainKey;
    if (message.counter > session.receivingCounter) {
      skipped ??= new Map(session.skippedKeys);
      chainKey = skipKeys(
        sodium,
        skipped,
        chainKey,
        message.ratchetKey,
        session.receivingCounter,
        message.counter,
      );
    }
  } else {
    if (session.previousRatchetKeys.some((key) => equalBytes(key, message.ratchetKey))) {
      throw new CryptoError('REPLAY', 'message belongs to a finished chain and its key is gone');
    }
    const pending = session.receivingChainKey
      ? Math.max(0, message.previousCounter - session.receivingCounter)
      : 0;
    if (pending > MAX_SKIP || message.counter > MAX_SKIP) {
      throw new CryptoError('MAX_SKIP_EXCEEDED', `message skips more than ${MAX_SKIP} keys`);
    }
    // §3.5 SkipMessageKeys(state, header.pn) on the chain we are leaving.
    if (session.receivingChainKey && session.receivingRatchetKey && pending > 0) {
      skipped ??= new Map(session.skippedKeys);
      skipKeys(
        sodium,
        skipped,
        session.receivingChainKey,
        session.receivingRatchetKey,
        session.receivingCounter,
        message.previousCounter,
      );
    }
    // §3.5 DHRatchet.
    const receiving = kdfRoot(
      sodium,
      session.rootKey,
      diffieHellman(sodium, session.sendingRatchetSecretKey, message.ratchetKey),
    );
    const ratchetSecret = random(SIZES.x25519);
    const sending = kdfRoot(
      sodium,
      receiving.rootKey,
      diffieHellman(sodium, ratchetSecret, message.ratchetKey),
    );
    const previousRatchetKeys = session.receivingRatchetKey
      ? [...session.previousRatchetKeys, session.receivingRatchetKey].slice(
          -MAX_PREVIOUS_RATCHET_KEYS,
        )
      : session.previousRatchetKeys;
    next.rootKey = sending.rootKey;
    next.sendingRatchetSecretKey = ratchetSecret;
    next.sendingRatchetPublicKey = sodium.crypto_scalarmult_base(ratchetSecret);
    next.receivingRatchetKey = message.ratchetKey;
    next.sendingChainKey = sending.chainKey;
    next.previousSendingCounter = session.sendingCounter;
    next.sendingCounter = 0;
    next.previousRatchetKeys = previousRatchetKeys;
    chainKey = receiving.chainKey;
    if (message.counter > 0) {
      skipped ??= new Map(session.skippedKeys);
      chainKey = skipKeys(sodium, skipped, chainKey, message.ratchetKey, 0, message.counter);
    }
  }

  const opened = open(sodium, session, message, chainKey, true);
  next.receivingChainKey = opened.chainKey;
  next.receivingCounter = message.counter + 1;
  next.skippedKeys = skipped ?? session.skippedKeys;
  next.pendingPrekey = null;
  return { session: next, content: opened.content };
}
