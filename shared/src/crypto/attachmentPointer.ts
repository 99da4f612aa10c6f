import {
  ATTACHMENT_POINTER_LIMITS as LIMITS,
  ATTACHMENT_POINTER_TYPE,
  MAX_ATTACHMENT_BYTES,
} from './attachmentLabels.js';
import { ByteReader, ByteWriter, fromUtf8, utf8 } from './bytes.js';
import { CryptoError } from './CryptoError.js';
import { E2E_VERSION, SIZES } from './labels.js';

/**
 * PROTOCOL.md §1.16.3: everything a recipient needs to fetch, check and show one attachment. It
 * travels only inside end-to-end encrypted content; the relay sees the blob id alone.
 */
export interface AttachmentPointer {
  /** The relay's blob id (base64url): a capability, with the session, to download the blob. */
  readonly blobId: string;
  readonly key: Uint8Array;
  /** §1.16.1 hash of the ciphertext. */
  readonly hash: Uint8Array;
  /** Plaintext size in bytes (the ciphertext is padded, §1.16.2). */
  readonly size: number;
  /** The sender's file name, possibly empty; never a path. */
  readonly fileName: string;
  /** Lower-case `type/subtype`, no parameters. */
  readonly mimeType: string;
  /** Image or video dimensions in pixels; 0 and 0 when unknown or not an image. */
  readonly width: number;
  readonly height: number;
  /** A small JPEG, PNG or WebP preview, inline; empty when none. */
  readonly thumbnail: Uint8Array;
  readonly caption: string;
}

const BLOB_ID = /^[A-Za-z0-9_-]+$/;
/** RFC 6838 §4.2 restricted-name characters, lower case, one slash, no parameters. */
const MIME_TYPE = /^[a-z0-9][a-z0-9!#$&^_.+-]*\/[a-z0-9][a-z0-9!#$&^_.+-]*$/;
/** Control characters and path separators: a name is shown and saved, never resolved. */
// eslint-disable-next-line no-control-regex
const UNSAFE_NAME = /[\u0000-\u001f\u007f-\u009f/\\]/;

function check(ok: boolean, what: string): void {
  if (!ok) throw new CryptoError('MALFORMED', `attachment pointer: ${what}`);
}

function checkFields(p: AttachmentPointer, fileName: Uint8Array, caption: Uint8Array): void {
  check(
    p.blobId.length >= LIMITS.blobIdMin &&
      p.blobId.length <= LIMITS.blobIdMax &&
      BLOB_ID.test(p.blobId),
    'bad blob id',
  );
  check(p.key.length === SIZES.key && p.hash.length === 32, 'bad key or hash length');
  check(Number.isSafeInteger(p.size) && p.size >= 0 && p.size <= MAX_ATTACHMENT_BYTES, 'bad size');
  check(fileName.length <= LIMITS.fileName && !UNSAFE_NAME.test(p.fileName), 'bad file name');
  check(p.mimeType.length <= LIMITS.mimeType && MIME_TYPE.test(p.mimeType), 'bad MIME type');
  const dims = [p.width, p.height];
  check(
    dims.every((d) => Number.isInteger(d) && d >= 0 && d <= 0xffff_ffff) &&
      (p.width === 0) === (p.height === 0),
    'bad dimensions',
  );
  check(p.thumbnail.length <= LIMITS.thumbnail, 'thumbnail too large');
  check(caption.length <= LIMITS.caption, 'caption too long');
}

/** Encodes a pointer; throws MALFORMED for any field the decoder would refuse. */
export function encodeAttachmentPointer(pointer: AttachmentPointer): Uint8Array {
  const fileName = utf8(pointer.fileName);
  const caption = utf8(pointer.caption);
  checkFields(pointer, fileName, caption);
  return new ByteWriter()
    .u8(E2E_VERSION)
    .u8(ATTACHMENT_POINTER_TYPE)
    .vec16(utf8(pointer.blobId))
    .bytes(pointer.key)
    .bytes(pointer.hash)
    .u64(pointer.size)
    .vec16(fileName)
    .vec16(utf8(pointer.mimeType))
    .u32(pointer.width)
    .u32(pointer.height)
    .vec16(pointer.thumbnail)
    .vec16(caption)
    .finish();
}

/** Decodes and checks a pointer: every bound of §1.16.3, canonical, no trailing byte. */
export function decodeAttachmentPointer(bytes: Uint8Array): AttachmentPointer {
  const r = new ByteReader(bytes, 'attachment pointer');
  r.header(ATTACHMENT_POINTER_TYPE);
  const blobIdBytes = r.vec16();
  check(blobIdBytes.length <= LIMITS.blobIdMax, 'bad blob id');
  const blobId = fromUtf8(blobIdBytes, 'blob id');
  const key = r.bytes(SIZES.key);
  const hash = r.bytes(32);
  const size = r.u64();
  const fileNameBytes = r.vec16();
  check(fileNameBytes.length <= LIMITS.fileName, 'bad file name');
  const fileName = fromUtf8(fileNameBytes, 'file name');
  const mimeType = fromUtf8(r.vec16(), 'MIME type');
  const width = r.u32();
  const height = r.u32();
  const thumbnail = r.vec16();
  const captionBytes = r.vec16();
  r.end();
  const caption = fromUtf8(captionBytes, 'caption');
  const pointer = {
    blobId,
    key,
    hash,
    size,
    fileName,
    mimeType,
    width,
    height,
    thumbnail,
    caption,
  };
  checkFields(pointer, fileNameBytes, captionBytes);
  return pointer;
}
