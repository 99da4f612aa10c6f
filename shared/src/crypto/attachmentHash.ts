import { ATTACHMENT_LABELS } from './attachmentLabels.js';
import { utf8 } from './bytes.js';
import type { Sodium } from './Sodium.js';

/** The running hash of an attachment's ciphertext, fed piece by piece as it streams. */
export interface AttachmentHasher {
  update(piece: Uint8Array): void;
  /** The 32-byte digest; call once. */
  digest(): Uint8Array;
}

/**
 * PROTOCOL.md §1.16.1: BLAKE2b-256(u8(len(label)) ‖ label ‖ ciphertext), the §1.3 KDF shape with
 * no key, computed incrementally so a large file is never held whole.
 */
export function createAttachmentHasher(sodium: Sodium): AttachmentHasher {
  const label = utf8(ATTACHMENT_LABELS.ciphertextHash);
  const state = sodium.crypto_generichash_init(null, 32);
  sodium.crypto_generichash_update(state, Uint8Array.of(label.length));
  sodium.crypto_generichash_update(state, label);
  return {
    update: (piece) => {
      sodium.crypto_generichash_update(state, piece);
    },
    digest: () => sodium.crypto_generichash_final(state, 32),
  };
}

/** The §1.16.1 hash of a whole ciphertext held in memory (tests, small files). */
export function hashAttachmentCiphertext(sodium: Sodium, ciphertext: Uint8Array): Uint8Array {
  const hasher = createAttachmentHasher(sodium);
  hasher.update(ciphertext);
  return hasher.digest();
}
