import { orientationOnlyApp1, readExifOrientation } from './exifOrientation.js';

/**
 * JPEG segments that carry metadata about the person, the place or the device rather than the
 * picture: APP1 (Exif, with GPS position, camera serial and time; XMP), APP12 (Ducky/Picture
 * Info), APP13 (IPTC, Photoshop) and COM (comments). APP0 (JFIF), APP2 (ICC colour profile) and
 * APP14 (Adobe colour transform) are kept: without them colours or decoding change.
 */
const DROPPED = new Map<number, string>([
  [0xe1, 'APP1 (Exif/XMP)'],
  [0xec, 'APP12'],
  [0xed, 'APP13 (IPTC)'],
  [0xfe, 'COM'],
]);

export interface StripResult {
  readonly bytes: Uint8Array;
  /** What was removed, for telling the person (never the values themselves). */
  readonly removed: readonly string[];
}

/**
 * Copies a JPEG without its metadata segments (ITU T.81 §B.1.1.4 marker segments). Walks the
 * segments up to Start of Scan; everything from there on is image data, copied as it is. Only
 * the Exif orientation survives, rewritten into an APP1 of its own (exifOrientation.ts), so a
 * phone photo stored sideways still shows upright.
 *
 * @throws Error when the bytes are not a well-formed JPEG header (the caller then sends nothing,
 *   or re-encodes).
 */
export function stripJpegMetadata(input: Uint8Array): StripResult {
  if (input[0] !== 0xff || input[1] !== 0xd8) throw new Error('not a JPEG');
  const kept: Uint8Array[] = [input.subarray(0, 2)];
  const removed: string[] = [];
  let keptOrientation = false;
  let at = 2;
  for (;;) {
    if (at + 4 > input.length || input[at] !== 0xff) throw new Error('malformed JPEG segment');
    let marker = input[at + 1] ?? 0;
    // Fill bytes (0xFF repeated) may precede a marker.
    while (marker === 0xff && at + 2 < input.length) {
      at++;
      marker = input[at + 1] ?? 0;
    }
    if (marker === 0xda || marker === 0xd9) {
      kept.push(input.subarray(at));
      break;
    }
    const length = ((input[at + 2] ?? 0) << 8) | (input[at + 3] ?? 0);
    const end = at + 2 + length;
    if (length < 2 || end > input.length) throw new Error('malformed JPEG segment length');
    const name = DROPPED.get(marker);
    if (name === undefined) {
      kept.push(input.subarray(at, end));
    } else {
      if (!removed.includes(name)) removed.push(name);
      const orientation = marker === 0xe1 ? readExifOrientation(input.subarray(at + 4, end)) : null;
      if (orientation !== null && !keptOrientation) {
        keptOrientation = true;
        kept.push(orientationOnlyApp1(orientation));
      }
    }
    at = end;
  }
  const out = new Uint8Array(kept.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of kept) {
    out.set(part, offset);
    offset += part.length;
  }
  return { bytes: out, removed };
}
