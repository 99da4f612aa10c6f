import type { StripResult } from './stripJpegMetadata.js';

/** VP8X flag bits (WebP container spec, "Extended file format"): Exif and XMP present. */
const EXIF_FLAG = 0x08;
const XMP_FLAG = 0x04;
const DROPPED = new Set(['EXIF', 'XMP ']);

/**
 * Copies a WebP without its EXIF and XMP chunks, clears their flags in the VP8X header and fixes
 * the RIFF size. Chunks are padded to an even length, as RIFF requires; the padding is kept.
 */
export function stripWebpMetadata(input: Uint8Array): StripResult {
  const ascii = (from: number) => String.fromCharCode(...input.subarray(from, from + 4));
  if (input.length < 12 || ascii(0) !== 'RIFF' || ascii(8) !== 'WEBP') {
    throw new Error('not a WebP');
  }
  const view = new DataView(input.buffer, input.byteOffset, input.byteLength);
  const kept: Uint8Array[] = [];
  const removed: string[] = [];
  let at = 12;
  while (at < input.length) {
    if (at + 8 > input.length) throw new Error('malformed WebP chunk');
    const type = ascii(at);
    const size = view.getUint32(at + 4, true);
    const end = at + 8 + size + (size % 2);
    if (end > input.length) throw new Error('malformed WebP chunk size');
    if (DROPPED.has(type)) {
      const name = type.trim();
      if (!removed.includes(name)) removed.push(name);
    } else if (type === 'VP8X') {
      const copy = input.slice(at, end);
      copy[8] = (copy[8] ?? 0) & ~(EXIF_FLAG | XMP_FLAG);
      kept.push(copy);
    } else {
      kept.push(input.subarray(at, end));
    }
    at = end;
  }
  const body = kept.reduce((sum, part) => sum + part.length, 0);
  const out = new Uint8Array(12 + body);
  out.set(input.subarray(0, 12));
  new DataView(out.buffer).setUint32(4, 4 + body, true);
  let offset = 12;
  for (const part of kept) {
    out.set(part, offset);
    offset += part.length;
  }
  return { bytes: out, removed };
}
