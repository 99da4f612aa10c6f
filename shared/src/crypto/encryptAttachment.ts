import {
  ATTACHMENT_CHUNK_BYTES,
  ATTACHMENT_HEADER_BYTES,
  ATTACHMENT_LABELS,
  ATTACHMENT_TAGS,
} from './attachmentLabels.js';
import { createAttachmentHasher } from './attachmentHash.js';
import { attachmentCiphertextLength, paddedAttachmentLength } from './attachmentPadding.js';
import { utf8 } from './bytes.js';
import { CryptoError } from './CryptoError.js';
import { SIZES } from './labels.js';
import { systemRandom, type Random, type Sodium } from './Sodium.js';

/** What the sender has once the last ciphertext piece is out: the pointer's key and hash. */
export interface EncryptedAttachment {
  readonly key: Uint8Array;
  /** §1.16.1 hash of the whole ciphertext. */
  readonly hash: Uint8Array;
}

/**
 * An encrypting transform over the pieces of one file: plaintext in, in pieces of any size, and
 * ciphertext out as soon as a chunk is complete. At most one chunk is held.
 */
export interface AttachmentEncryptor {
  /** Exact length of the whole ciphertext, known before the first byte (the upload's length). */
  readonly ciphertextLength: number;
  /** Encrypts the next piece of plaintext; returns the ciphertext pieces now complete. */
  push(plaintext: Uint8Array): Uint8Array[];
  /** After exactly `size` plaintext bytes: the padding and the final chunk, then key and hash. */
  finish(): { readonly pieces: Uint8Array[]; readonly result: EncryptedAttachment };
}

/**
 * PROTOCOL.md §1.16.1. Draws random(32) for the key, then random(24) for the secretstream header.
 * libsodium's init_push draws its header itself; init_pull on a header of ours derives the very
 * same state (both run HChaCha20(key, header[0..16]) and set the counter to 1), which is what lets
 * a seeded Random give reproducible vectors.
 */
export function createAttachmentEncryptor(
  sodium: Sodium,
  size: number,
  random: Random = systemRandom(sodium),
): AttachmentEncryptor {
  const paddedLength = paddedAttachmentLength(size);
  const key = random(SIZES.key);
  const header = random(ATTACHMENT_HEADER_BYTES);
  const state = sodium.crypto_secretstream_xchacha20poly1305_init_pull(header, key);
  const ad = utf8(ATTACHMENT_LABELS.chunkAd);
  const hasher = createAttachmentHasher(sodium);
  const chunk = new Uint8Array(ATTACHMENT_CHUNK_BYTES);
  let filled = 0;
  let consumed = 0;
  let written = 0;
  let headerSent = false;
  let finished = false;

  const emit = (out: Uint8Array[], piece: Uint8Array) => {
    hasher.update(piece);
    out.push(piece);
  };
  // `written` already counts the chunk being sealed: the one that reaches the padded length is
  // the last and carries TAG_FINAL.
  const seal = (out: Uint8Array[], plain: Uint8Array) => {
    const tag = written === paddedLength ? ATTACHMENT_TAGS.final : ATTACHMENT_TAGS.message;
    emit(out, sodium.crypto_secretstream_xchacha20poly1305_push(state, plain, ad, tag));
  };
  // Seals each chunk as it fills. A whole chunk that the caller's bytes hold from a chunk
  // boundary is sealed from them directly, without a copy into `chunk` (most of a large file,
  // read in pieces of a multiple of the chunk size); the rest is gathered in `chunk` first.
  const feed = (bytes: Uint8Array, out: Uint8Array[]) => {
    let offset = 0;
    while (offset < bytes.length) {
      if (filled === 0 && bytes.length - offset >= ATTACHMENT_CHUNK_BYTES) {
        written += ATTACHMENT_CHUNK_BYTES;
        seal(out, bytes.subarray(offset, offset + ATTACHMENT_CHUNK_BYTES));
        offset += ATTACHMENT_CHUNK_BYTES;
        continue;
      }
      const take = Math.min(ATTACHMENT_CHUNK_BYTES - filled, bytes.length - offset);
      chunk.set(bytes.subarray(offset, offset + take), filled);
      filled += take;
      written += take;
      offset += take;
      if (filled === ATTACHMENT_CHUNK_BYTES) {
        seal(out, chunk);
        filled = 0;
      }
    }
  };
  const start = (out: Uint8Array[]) => {
    if (finished) throw new CryptoError('MALFORMED', 'the attachment is already finished');
    if (!headerSent) {
      headerSent = true;
      emit(out, header.slice());
    }
  };

  return {
    ciphertextLength: attachmentCiphertextLength(size),
    push(plaintext) {
      const out: Uint8Array[] = [];
      start(out);
      if (consumed + plaintext.length > size) {
        throw new CryptoError('MALFORMED', 'more plaintext than the attachment size');
      }
      consumed += plaintext.length;
      feed(plaintext, out);
      return out;
    },
    finish() {
      const out: Uint8Array[] = [];
      start(out);
      if (consumed !== size) {
        throw new CryptoError('MALFORMED', 'less plaintext than the attachment size');
      }
      // Zero padding (§1.16.2) in bounded pieces, so a large pad never needs one large buffer.
      const zeros = new Uint8Array(Math.min(ATTACHMENT_CHUNK_BYTES, paddedLength - written));
      while (written < paddedLength) {
        feed(zeros.subarray(0, Math.min(zeros.length, paddedLength - written)), out);
      }
      // A padded length that is a multiple of the chunk size was sealed FINAL inside feed.
      if (filled > 0) {
        seal(out, chunk.subarray(0, filled));
        filled = 0;
      }
      finished = true;
      return { pieces: out, result: { key, hash: hasher.digest() } };
    },
  };
}
