import type { SenderKeyState } from './SenderKeyState.js';
import type { Random, Sodium } from './Sodium.js';
import { systemRandom } from './Sodium.js';
import { CryptoError } from './CryptoError.js';
import { ByteReader, ByteWriter, concatBytes, equalBytes, utf8 } from './bytes.js';
import {
  E2E_VERSION,
  GROUP_MAX_SKIP,
  GROUP_MAX_SKIPPED_KEYS,
  LABELS,
  MAX_COUNTER,
  RECORD_TYPE,
  SIZES,
} from './labels.js';
import { labelPrefix } from './deriveKey.js';
import { sealMessage } from './messageCipher.js';
import { paddedLength, unpadPlaintext } from './padding.js';
import { kdfChain } from './ratchetKdf.js';

/** §1.9.2 header: version, type, group id, key id, iteration (26 bytes). */
const HEADER_LENGTH = 2 + SIZES.groupId + 4 + 4;
const MIN_LENGTH = HEADER_LENGTH + SIZES.nonce + 256 + SIZES.tag + SIZES.signature;
const AD_LABEL = utf8(LABELS.groupAd);
const AD_PREFIX = labelPrefix(LABELS.groupAd);
const SIGNATURE_LABEL = utf8(LABELS.groupSignature);

function labelled(label: Uint8Array, body: Uint8Array): Uint8Array {
  return concatBytes(Uint8Array.of(label.length), label, body);
}

export interface GroupMessageHeader {
  readonly groupId: Uint8Array;
  readonly keyId: number;
  readonly iteration: number;
}

/** The routing fields of a group message, so the caller can pick the sender key to use. */
export function peekGroupMessage(bytes: Uint8Array): GroupMessageHeader {
  const r = new ByteReader(bytes, 'group message');
  r.header(RECORD_TYPE.groupMessage);
  return { groupId: r.bytes(SIZES.groupId), keyId: r.u32(), iteration: r.u32() };
}

/**
 * Encrypts once for the whole group with our sender key (PROTOCOL.md §1.9.2): chain step,
 * padded XChaCha20-Poly1305, then an Ed25519 signature over the whole message so members
 * (who all hold the chain key) cannot forge messages from us. Random draws: nonce (24).
 */
export function groupEncrypt(
  sodium: Sodium,
  state: SenderKeyState,
  content: Uint8Array,
  random: Random = systemRandom(sodium),
): { state: SenderKeyState; message: Uint8Array } {
  if (state.signingSecretKey === null)
    throw new CryptoError('NO_SENDER_KEY', 'this sender key belongs to another device');
  if (state.iteration >= MAX_COUNTER)
    throw new CryptoError('COUNTER_EXHAUSTED', 'sender key is exhausted; rotate it');
  const header = new ByteWriter()
    .u8(E2E_VERSION)
    .u8(RECORD_TYPE.groupMessage)
    .bytes(state.groupId)
    .u32(state.keyId)
    .u32(state.iteration)
    .finish();
  // The whole message in one allocation: header ‖ nonce ‖ ciphertext ‖ signature.
  const bodyLength = header.length + SIZES.nonce + paddedLength(content.length) + SIZES.tag;
  const message = new Uint8Array(bodyLength + SIZES.signature);
  message.set(header);
  // AD = u8(len(label)) ‖ label ‖ header ‖ signing public key.
  const chainKey = sealMessage(
    sodium,
    state.chainKey,
    LABELS.senderChainStep,
    [AD_PREFIX, header, state.signingPublicKey],
    content,
    random(SIZES.nonce),
    message,
    header.length,
  );
  const signature = sodium.crypto_sign_detached(
    labelled(SIGNATURE_LABEL, message.subarray(0, bodyLength)),
    state.signingSecretKey,
  );
  message.set(signature, bodyLength);
  return { state: { ...state, chainKey, iteration: state.iteration + 1 }, message };
}

/**
 * Verifies and decrypts a group message with the sender key filed under its sender device.
 * Order (§1.9.2): layout, group and key id, signature, replay and skip limits, then keys.
 * Returns a new state; the one passed in is never changed.
 */
export function groupDecrypt(
  sodium: Sodium,
  state: SenderKeyState,
  bytes: Uint8Array,
): { state: SenderKeyState; content: Uint8Array } {
  const { groupId, keyId, iteration } = peekGroupMessage(bytes);
  if (bytes.length < MIN_LENGTH) throw new CryptoError('MALFORMED', 'group message is truncated');
  if (!equalBytes(groupId, state.groupId) || keyId !== state.keyId) {
    throw new CryptoError('NO_SENDER_KEY', 'no sender key with this group and key id');
  }
  const body = bytes.subarray(0, bytes.length - SIZES.signature);
  const signature = bytes.subarray(bytes.length - SIZES.signature);
  let valid = false;
  try {
    valid = sodium.crypto_sign_verify_detached(
      signature,
      labelled(SIGNATURE_LABEL, body),
      state.signingPublicKey,
    );
  } catch {
    valid = false;
  }
  if (!valid) throw new CryptoError('BAD_SIGNATURE', 'group message signature does not verify');

  let messageKey = state.skippedKeys.get(iteration);
  let next: SenderKeyState;
  if (messageKey) {
    const skippedKeys = new Map(state.skippedKeys);
    skippedKeys.delete(iteration);
    next = { ...state, skippedKeys };
  } else {
    if (iteration < state.iteration)
      throw new CryptoError('REPLAY', 'group message key was already used or evicted');
    if (iteration - state.iteration > GROUP_MAX_SKIP) {
      throw new CryptoError(
        'MAX_SKIP_EXCEEDED',
        `group message skips more than ${GROUP_MAX_SKIP} keys`,
      );
    }
    let skippedKeys = state.skippedKeys;
    let chainKey = state.chainKey;
    if (iteration > state.iteration) {
      const copy = new Map(state.skippedKeys);
      for (let n = state.iteration; n < iteration; n++) {
        const step = kdfChain(sodium, chainKey, LABELS.senderChainStep);
        copy.set(n, step.messageKey);
        chainKey = step.chainKey;
      }
      // Total cap, oldest first (Map iteration order is insertion order).
      for (const key of copy.keys()) {
        if (copy.size <= GROUP_MAX_SKIPPED_KEYS) break;
        copy.delete(key);
      }
      skippedKeys = copy;
    }
    const step = kdfChain(sodium, chainKey, LABELS.senderChainStep);
    messageKey = step.messageKey;
    next = { ...state, chainKey: step.chainKey, iteration: iteration + 1, skippedKeys };
  }
  const header = bytes.subarray(0, HEADER_LENGTH);
  const nonce = bytes.subarray(HEADER_LENGTH, HEADER_LENGTH + SIZES.nonce);
  const ciphertext = body.subarray(HEADER_LENGTH + SIZES.nonce);
  let padded: Uint8Array;
  try {
    padded = sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(
      null,
      ciphertext,
      labelled(AD_LABEL, concatBytes(header, state.signingPublicKey)),
      nonce,
      messageKey,
    );
  } catch {
    throw new CryptoError('DECRYPT_FAILED', 'group message does not authenticate');
  }
  return { state: next, content: unpadPlaintext(padded) };
}
