/** Exif tag 0x0112 (TIFF 6.0 "Orientation"): how the stored pixels must be turned to stand up. */
const ORIENTATION_TAG = 0x0112;
const SHORT = 3;
const EXIF_HEADER = [0x45, 0x78, 0x69, 0x66, 0x00, 0x00]; // "Exif\0\0"

/**
 * The orientation (2 … 8) an APP1 Exif payload gives, or null for none, the default (1), or a
 * payload it cannot read. Reads the TIFF header and IFD0 only; nothing else of the Exif is looked
 * at, let alone kept.
 */
export function readExifOrientation(payload: Uint8Array): number | null {
  if (payload.length < 14 || !EXIF_HEADER.every((byte, i) => payload[i] === byte)) return null;
  const tiff = payload.subarray(6);
  const view = new DataView(tiff.buffer, tiff.byteOffset, tiff.byteLength);
  const order = String.fromCharCode(tiff[0] ?? 0, tiff[1] ?? 0);
  if (order !== 'II' && order !== 'MM') return null;
  const little = order === 'II';
  if (view.getUint16(2, little) !== 42) return null;
  const ifd = view.getUint32(4, little);
  if (ifd + 2 > tiff.length) return null;
  const entries = view.getUint16(ifd, little);
  for (let i = 0; i < entries; i++) {
    const at = ifd + 2 + i * 12;
    if (at + 12 > tiff.length) return null;
    if (view.getUint16(at, little) !== ORIENTATION_TAG) continue;
    if (view.getUint16(at + 2, little) !== SHORT || view.getUint32(at + 4, little) !== 1)
      return null;
    const value = view.getUint16(at + 8, little);
    return value >= 2 && value <= 8 ? value : null;
  }
  return null;
}

/**
 * A whole APP1 segment holding an Exif block with the orientation and nothing else: big-endian
 * TIFF header, IFD0 with one SHORT entry, no next IFD. 40 bytes that keep a phone photo upright
 * and say nothing about where, when or with what it was taken.
 */
export function orientationOnlyApp1(orientation: number): Uint8Array {
  const tiff = [
    0x4d,
    0x4d,
    0x00,
    0x2a,
    0x00,
    0x00,
    0x00,
    0x08, // "MM", 42, IFD0 at 8
    0x00,
    0x01, // one entry
    0x01,
    0x12,
    0x00,
    0x03,
    0x00,
    0x00,
    0x00,
    0x01,
    orientation >> 8,
    orientation & 0xff,
    0,
    0,
    0x00,
    0x00,
    0x00,
    0x00, // no next IFD
  ];
  const payload = [...EXIF_HEADER, ...tiff];
  const length = payload.length + 2;
  return Uint8Array.from([0xff, 0xe1, length >> 8, length & 0xff, ...payload]);
}
