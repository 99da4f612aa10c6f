import { stripJpegMetadata, type StripResult } from './stripJpegMetadata.js';
import { stripPngMetadata } from './stripPngMetadata.js';
import { stripWebpMetadata } from './stripWebpMetadata.js';

export type { StripResult };

/** The image formats whose metadata this removes, by their leading bytes (not the file name). */
export type StrippableFormat = 'jpeg' | 'png' | 'webp';

export function sniffImageFormat(bytes: Uint8Array): StrippableFormat | null {
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  if (bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47) {
    return 'png';
  }
  const ascii = (from: number) => String.fromCharCode(...bytes.subarray(from, from + 4));
  if (bytes.length >= 12 && ascii(0) === 'RIFF' && ascii(8) === 'WEBP') return 'webp';
  return null;
}

/**
 * Removes location, camera and author metadata from a photo before it is encrypted and sent
 * (issue #19: as Signal does, and the person is told). Byte-level, so the pixels are untouched
 * and nothing is re-compressed. Formats it does not know are returned as they are, with
 * `format: null`, for the caller to decide (other files are sent unchanged, as documents).
 */
export function stripImageMetadata(
  bytes: Uint8Array,
): StripResult & { readonly format: StrippableFormat | null } {
  const format = sniffImageFormat(bytes);
  switch (format) {
    case 'jpeg':
      return { ...stripJpegMetadata(bytes), format };
    case 'png':
      return { ...stripPngMetadata(bytes), format };
    case 'webp':
      return { ...stripWebpMetadata(bytes), format };
    case null:
      return { bytes, removed: [], format };
  }
}
