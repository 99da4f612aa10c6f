import type { StripResult } from './stripJpegMetadata.js';

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
/**
 * Ancillary chunks (PNG 3rd ed. §11.3) that describe the file rather than the pixels: eXIf
 * (Exif, GPS included), the three text chunks (author, software, comments, XMP in iTXt) and tIME.
 * Colour chunks (gAMA, cHRM, sRGB, iCCP) and pHYs are kept.
 */
const DROPPED = new Set(['eXIf', 'tEXt', 'zTXt', 'iTXt', 'tIME']);

/** Copies a PNG without its metadata chunks; every other chunk is copied with its CRC. */
export function stripPngMetadata(input: Uint8Array): StripResult {
  if (!SIGNATURE.every((byte, i) => input[i] === byte)) throw new Error('not a PNG');
  const view = new DataView(input.buffer, input.byteOffset, input.byteLength);
  const kept: Uint8Array[] = [input.subarray(0, 8)];
  const removed: string[] = [];
  let at = 8;
  while (at < input.length) {
    if (at + 12 > input.length) throw new Error('malformed PNG chunk');
    const length = view.getUint32(at);
    const type = String.fromCharCode(...input.subarray(at + 4, at + 8));
    const end = at + 12 + length;
    if (end > input.length) throw new Error('malformed PNG chunk length');
    if (DROPPED.has(type)) {
      if (!removed.includes(type)) removed.push(type);
    } else {
      kept.push(input.subarray(at, end));
    }
    at = end;
    if (type === 'IEND') break;
  }
  const out = new Uint8Array(kept.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of kept) {
    out.set(part, offset);
    offset += part.length;
  }
  return { bytes: out, removed };
}
