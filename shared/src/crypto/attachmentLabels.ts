/**
 * Constants of attachments (PROTOCOL.md §1.16), apart from labels.ts so the content types there
 * can change without touching this file. Each constant names its section.
 */

/** §1.16.1 Plaintext bytes per secretstream chunk; every chunk but the last holds exactly this. */
export const ATTACHMENT_CHUNK_BYTES = 65536;
/** §1.16.1 crypto_secretstream_xchacha20poly1305_HEADERBYTES. */
export const ATTACHMENT_HEADER_BYTES = 24;
/** §1.16.1 crypto_secretstream_xchacha20poly1305_ABYTES: one tag byte and a 16-byte MAC. */
export const ATTACHMENT_CHUNK_OVERHEAD = 17;
/** §1.16.1 secretstream tags (libsodium's fixed values): every chunk MESSAGE, the last FINAL. */
export const ATTACHMENT_TAGS = { message: 0x00, final: 0x03 } as const;
/** §1.16.1 Associated data of every chunk, and the label of the ciphertext hash. */
export const ATTACHMENT_LABELS = {
  chunkAd: 'VaultRoom/e2e/v1/attachment-chunk',
  ciphertextHash: 'VaultRoom/e2e/v1/attachment-hash',
} as const;
/** §1.16.2 Every padded plaintext is at least this long, so small files share one size. */
export const ATTACHMENT_MIN_PADDED_BYTES = 256;
/**
 * §1.16 Largest attachment (1 TiB): far above any relay's setting, and small enough that every
 * length and offset stays exact in a JavaScript number.
 */
export const MAX_ATTACHMENT_BYTES = 2 ** 40;

/** §1.16.3 Record-type byte of an attachment pointer (after 0x1d, the link offer). */
export const ATTACHMENT_POINTER_TYPE = 0x1e;
/** §1.16.3 Bounds of the pointer's fields, in bytes. */
export const ATTACHMENT_POINTER_LIMITS = {
  blobIdMin: 22,
  blobIdMax: 64,
  fileName: 255,
  mimeType: 127,
  thumbnail: 16384,
  caption: 4096,
} as const;
