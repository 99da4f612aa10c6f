import {
  ATTACHMENT_CHUNK_BYTES,
  ATTACHMENT_CHUNK_OVERHEAD,
  ATTACHMENT_HEADER_BYTES,
  ATTACHMENT_LABELS,
  ATTACHMENT_TAGS,
} from './attachmentLabels.js';
import { createAttachmentHasher } from './attachmentHash.js';
import { attachmentCiphertextLength, paddedAttachmentLength } from './attachmentPadding.js';
import { equalBytes, utf8 } from './bytes.js';
import { CryptoError } from './CryptoError.js';
import { SIZES } from './labels.js';
import type { Sodium } from './Sodium.js';

/** What a receiver takes from the attachment pointer (§1.16.3) to open the blob. */
export interface AttachmentSecrets {
  readonly key: Uint8Array;
  readonly hash: Uint8Array;
  /** Plaintext size. */
  readonly size: number;
}

/**
 * A decrypting transform over the ciphertext as it downloads. Plaintext comes out chunk by chunk,
 * but it is the file only once finish() returned: until then a caller shows and saves nothing
 * (§1.16.4), since a cut or substituted stream is detected only at the end.
 */
export interface AttachmentDecryptor {
  /** Takes the next ciphertext piece; returns the plaintext now verified (padding removed). */
  push(ciphertext: Uint8Array): Uint8Array[];
  /** Checks that the whole stream arrived, ended with its final chunk and matches the hash. */
  finish(): void;
}

/** PROTOCOL.md §1.16.4: every check a receiver makes, each refusal with its own code. */
export function createAttachmentDecryptor(
  sodium: Sodium,
  secrets: AttachmentSecrets,
): AttachmentDecryptor {
  if (secrets.key.length !== SIZES.key || secrets.hash.length !== 32) {
    throw new CryptoError('MALFORMED', 'attachment key or hash has the wrong length');
  }
  const { size } = secrets;
  const paddedLength = paddedAttachmentLength(size);
  const expectedLength = attachmentCiphertextLength(size);
  const ad = utf8(ATTACHMENT_LABELS.chunkAd);
  const hasher = createAttachmentHasher(sodium);
  const sealedChunk = ATTACHMENT_CHUNK_BYTES + ATTACHMENT_CHUNK_OVERHEAD;
  const buffer = new Uint8Array(sealedChunk);
  let filled = 0;
  let received = 0;
  let plaintextSeen = 0;
  let state: ReturnType<Sodium['crypto_secretstream_xchacha20poly1305_init_pull']> | null = null;
  let finalSeen = false;

  // The length the piece being collected must reach: the header first, then each chunk, the
  // last one shorter. Lengths follow from `size` alone, so no tag or length is trusted from input.
  const wanted = () => {
    if (state === null) return ATTACHMENT_HEADER_BYTES;
    return Math.min(sealedChunk, expectedLength - (received - filled));
  };

  const open = (out: Uint8Array[]) => {
    const piece = buffer.subarray(0, filled);
    filled = 0;
    if (state === null) {
      state = sodium.crypto_secretstream_xchacha20poly1305_init_pull(piece, secrets.key);
      return;
    }
    const opened = sodium.crypto_secretstream_xchacha20poly1305_pull(state, piece, ad);
    if (opened === false) {
      throw new CryptoError('DECRYPT_FAILED', 'an attachment chunk failed authentication');
    }
    const last = received === expectedLength;
    const isFinal = opened.tag === ATTACHMENT_TAGS.final;
    if (isFinal && !last) throw new CryptoError('TRAILING_DATA', 'data follows the final chunk');
    if (!isFinal && last) throw new CryptoError('TRUNCATED', 'the stream has no final chunk');
    if (opened.tag !== ATTACHMENT_TAGS.message && !isFinal) {
      throw new CryptoError('MALFORMED', 'an attachment chunk has an unknown tag');
    }
    finalSeen = isFinal;
    const keep = Math.max(0, Math.min(opened.message.length, size - plaintextSeen));
    for (let i = keep; i < opened.message.length; i++) {
      if (opened.message[i] !== 0) throw new CryptoError('MALFORMED', 'padding is not zero');
    }
    plaintextSeen += opened.message.length;
    if (keep > 0) out.push(opened.message.subarray(0, keep));
  };

  return {
    push(ciphertext) {
      if (received + ciphertext.length > expectedLength) {
        throw new CryptoError('TRAILING_DATA', 'more ciphertext than the attachment size gives');
      }
      hasher.update(ciphertext);
      const out: Uint8Array[] = [];
      let offset = 0;
      while (offset < ciphertext.length) {
        const take = Math.min(wanted() - filled, ciphertext.length - offset);
        buffer.set(ciphertext.subarray(offset, offset + take), filled);
        filled += take;
        received += take;
        offset += take;
        if (filled === wanted()) open(out);
      }
      return out;
    },
    finish() {
      if (received !== expectedLength || !finalSeen || plaintextSeen !== paddedLength) {
        throw new CryptoError('TRUNCATED', 'the attachment ciphertext is incomplete');
      }
      if (!equalBytes(hasher.digest(), secrets.hash)) {
        throw new CryptoError('HASH_MISMATCH', 'the ciphertext is not the one the pointer names');
      }
    },
  };
}
