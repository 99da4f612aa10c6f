import { encodeHex } from '@vaultroom/shared';
import { attachmentLabels, type Sodium } from '@vaultroom/shared/crypto';

const MIME_TYPE = /^[a-z0-9][a-z0-9!#$&^_.+-]*\/[a-z0-9][a-z0-9!#$&^_.+-]*$/;
// eslint-disable-next-line no-control-regex
const UNSAFE_NAME = /[\u0000-\u001f\u007f-\u009f/\\]/g;

/** The system's MIME type as the pointer allows it (§1.16.3), else a neutral one. */
export function cleanMimeType(type: string): string {
  const bare = (type.split(';')[0] ?? '').trim().toLowerCase();
  return bare.length <= attachmentLabels.ATTACHMENT_POINTER_LIMITS.mimeType && MIME_TYPE.test(bare)
    ? bare
    : 'application/octet-stream';
}

/**
 * A display name the pointer allows (§1.16.3): no control characters or path separators, at
 * most 255 UTF-8 bytes, cut on a character boundary with the extension kept where it fits.
 */
export function cleanFileName(name: string): string {
  const safe = name.replace(UNSAFE_NAME, '_');
  const limit = attachmentLabels.ATTACHMENT_POINTER_LIMITS.fileName;
  const encoder = new TextEncoder();
  if (encoder.encode(safe).length <= limit) return safe;
  const dot = safe.lastIndexOf('.');
  const extension = dot > 0 && safe.length - dot <= 16 ? safe.slice(dot) : '';
  const segmenter = new Intl.Segmenter();
  let stem = Array.from(
    segmenter.segment(safe.slice(0, safe.length - extension.length)),
    (s) => s.segment,
  );
  while (encoder.encode(stem.join('') + extension).length > limit) stem = stem.slice(0, -1);
  return stem.join('') + extension;
}

/** A random name for a local file: it tells nothing about the message. */
export function newLocalFileName(sodium: Sodium): string {
  return encodeHex(sodium.randombytes_buf(16));
}
