import type { Sodium } from './Sodium.js';
import { CryptoError } from './CryptoError.js';
import { SodiumArena } from './sodiumArena.js';
import { concatBytes } from './bytes.js';
import { labelPrefix } from './deriveKey.js';
import { SIZES } from './labels.js';
import { paddedLength, padPlaintext, unpaddedLength, unpadPlaintext } from './padding.js';
import { kdfChain } from './ratchetKdf.js';

/*
 * The per-message step of the Double Ratchet (PROTOCOL.md §1.6.2) and of sender keys (§1.9.2):
 * KDF_CK, padding (§1.8.1) and XChaCha20-Poly1305 with the caller's associated data. It runs in
 * a SodiumArena when libsodium-wrappers' WebAssembly build allows it (one KDF and one AEAD call
 * into WebAssembly, the message key never copied out) and through the wrapper functions
 * otherwise. Both ways compute the same bytes with the same primitives; only the copying differs.
 */

function adLength(ad: readonly Uint8Array[]): number {
  let length = 0;
  for (const part of ad) length += part.length;
  return length;
}

/**
 * `(ck', mk) = KDF_CK(chainKey)` under `chainLabel`, then writes `nonce ‖ AEAD-Encrypt(mk, nonce,
 * pad(content), ad[0] ‖ ad[1] ‖ …)` into `out` at `at`; `out` must have room for
 * 24 + paddedLength(content.length) + 16 bytes there. Returns ck'.
 */
export function sealMessage(
  sodium: Sodium,
  chainKey: Uint8Array,
  chainLabel: string,
  ad: readonly Uint8Array[],
  content: Uint8Array,
  nonce: Uint8Array,
  out: Uint8Array,
  at: number,
): Uint8Array {
  const padded = paddedLength(content.length);
  out.set(nonce, at);
  const arena = SodiumArena.of(sodium);
  if (
    arena !== null &&
    chainKey.length === SIZES.key &&
    nonce.length === SIZES.nonce &&
    adLength(ad) <= SodiumArena.maxAssociatedData &&
    arena.reserve(padded)
  ) {
    try {
      const next = arena.chainStep(labelPrefix(chainLabel), chainKey);
      arena.seal(ad, content, padded, nonce, out, at + SIZES.nonce);
      return next;
    } finally {
      arena.wipe();
    }
  }
  const step = kdfChain(sodium, chainKey, chainLabel);
  const ciphertext = sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(
    padPlaintext(content),
    concatBytes(...ad),
    null,
    nonce,
    step.messageKey,
  );
  out.set(ciphertext, at + SIZES.nonce);
  return step.chainKey;
}

export interface OpenedMessage {
  readonly content: Uint8Array;
  /** The next chain key when the message key came from a chain step, else null. */
  readonly chainKey: Uint8Array | null;
}

/**
 * AEAD-Decrypt then unpad (§1.6.2 step 5). With a `chainLabel`, `key` is a chain key and the
 * message key is KDF_CK(key)'s; without, `key` is the message key itself (a skipped key).
 * Failures: DECRYPT_FAILED ("<what> does not authenticate"), then MALFORMED from unpadding.
 */
export function openMessage(
  sodium: Sodium,
  key: Uint8Array,
  chainLabel: string | null,
  ad: readonly Uint8Array[],
  nonce: Uint8Array,
  ciphertext: Uint8Array,
  what: string,
): OpenedMessage {
  const arena = SodiumArena.of(sodium);
  if (
    arena !== null &&
    key.length === SIZES.key &&
    adLength(ad) <= SodiumArena.maxAssociatedData &&
    arena.reserve(Math.max(0, ciphertext.length - SIZES.tag))
  ) {
    try {
      let chainKey: Uint8Array | null = null;
      if (chainLabel === null) arena.loadKey(key);
      else chainKey = arena.chainStep(labelPrefix(chainLabel), key);
      const padded = arena.open(ad, nonce, ciphertext);
      if (padded === null) throw new CryptoError('DECRYPT_FAILED', `${what} does not authenticate`);
      // A copy: the view points into the arena, which is wiped below.
      return { content: padded.slice(0, unpaddedLength(padded)), chainKey };
    } finally {
      arena.wipe();
    }
  }
  let messageKey = key;
  let chainKey: Uint8Array | null = null;
  if (chainLabel !== null) {
    const step = kdfChain(sodium, key, chainLabel);
    messageKey = step.messageKey;
    chainKey = step.chainKey;
  }
  let padded: Uint8Array;
  try {
    padded = sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(
      null,
      ciphertext,
      concatBytes(...ad),
      nonce,
      messageKey,
    );
  } catch {
    throw new CryptoError('DECRYPT_FAILED', `${what} does not authenticate`);
  }
  return { content: unpadPlaintext(padded), chainKey };
}
