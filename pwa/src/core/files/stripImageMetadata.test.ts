import { describe, expect, it } from 'vitest';
import { orientationOnlyApp1, readExifOrientation } from './exifOrientation.js';
import { stripImageMetadata } from './stripImageMetadata.js';

const ascii = (text: string) => Array.from(text, (c) => c.charCodeAt(0));
const u16 = (n: number) => [n >> 8, n & 0xff];
const u32be = (n: number) => [(n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
const u32le = (n: number) => u32be(n).reverse();
const has = (bytes: Uint8Array, text: string) => Buffer.from(bytes).includes(Buffer.from(text));

/** A JPEG marker segment: FF, marker, length (counting itself), payload. */
const segment = (marker: number, payload: number[]) => [
  0xff,
  marker,
  ...u16(payload.length + 2),
  ...payload,
];

function jpeg(): Uint8Array {
  return Uint8Array.from([
    0xff,
    0xd8,
    ...segment(0xe0, [...ascii('JFIF'), 0, 1, 1, 0, 0, 1, 0, 1, 0, 0]),
    ...segment(0xe1, [...ascii('Exif'), 0, 0, ...ascii('MM GPS 48.8584N 2.2945E serial CAM-123')]),
    ...segment(0xe2, [...ascii('ICC_PROFILE'), 0, 1, 1, 7, 7]),
    0xff, // a fill byte before the next marker
    ...segment(0xfe, ascii('taken at home')),
    ...segment(0xdb, [0, ...new Array<number>(64).fill(1)]),
    ...segment(0xda, [1, 1, 0, 0, 63, 0]),
    0x12,
    0x34,
    0xff,
    0x00,
    0x56, // entropy-coded data, with a stuffed FF
    0xff,
    0xd9,
  ]);
}

const chunk = (type: string, data: number[]) => [
  ...u32be(data.length),
  ...ascii(type),
  ...data,
  0,
  0,
  0,
  0,
];

function png(): Uint8Array {
  return Uint8Array.from([
    0x89,
    0x50,
    0x4e,
    0x47,
    0x0d,
    0x0a,
    0x1a,
    0x0a,
    ...chunk('IHDR', [0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 0, 0, 0]),
    ...chunk('tEXt', [...ascii('Author'), 0, ...ascii('Alice at 48.8584N')]),
    ...chunk('sRGB', [0]),
    ...chunk('eXIf', ascii('MM GPS 48.8584N')),
    ...chunk('IDAT', [1, 2, 3]),
    ...chunk('tIME', [7, 234, 12, 5, 10, 0, 0]),
    ...chunk('IEND', []),
  ]);
}

const riffChunk = (type: string, data: number[]) => [
  ...ascii(type),
  ...u32le(data.length),
  ...data,
  ...(data.length % 2 === 1 ? [0] : []),
];

function webp(): Uint8Array {
  const body = [
    ...ascii('WEBP'),
    ...riffChunk('VP8X', [0x0c, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
    ...riffChunk('VP8L', [0x2f, 0, 0, 0, 0]),
    ...riffChunk('EXIF', ascii('MM GPS 48.8584N')),
    ...riffChunk('XMP ', ascii('<x:xmpmeta>Alice</x:xmpmeta>')),
  ];
  return Uint8Array.from([...ascii('RIFF'), ...u32le(body.length), ...body]);
}

/** A little-endian Exif block: IFD0 with Make, Orientation 6 and a GPS IFD pointer, then a string. */
function exifWithOrientation(): number[] {
  const le16 = (n: number) => [n & 0xff, n >> 8];
  const entry = (tag: number, type: number, value: number) => [
    ...le16(tag),
    ...le16(type),
    ...u32le(1),
    ...u32le(value),
  ];
  const tiff = [
    ...ascii('II'),
    ...le16(42),
    ...u32le(8),
    ...le16(3),
    ...entry(0x010f, 2, 4), // Make (value inline)
    ...entry(0x0112, 3, 6), // Orientation: rotate 90° clockwise
    ...entry(0x8825, 4, 50), // GPS IFD pointer
    ...u32le(0),
    ...ascii('GPS 48.8584N 2.2945E'),
  ];
  return [...ascii('Exif'), 0, 0, ...tiff];
}

describe('Exif orientation', () => {
  it('keeps only the orientation of a photo stored sideways, in an Exif block of its own', () => {
    const photo = Uint8Array.from([
      0xff,
      0xd8,
      ...segment(0xe1, exifWithOrientation()),
      ...segment(0xda, [1, 1, 0, 0, 63, 0]),
      0x12,
      0xff,
      0xd9,
    ]);
    const result = stripImageMetadata(photo);
    expect(has(result.bytes, 'GPS')).toBe(false);
    const app1 = orientationOnlyApp1(6);
    expect(Buffer.from(result.bytes.subarray(2, 2 + app1.length)).equals(app1)).toBe(true);
    expect(readExifOrientation(app1.subarray(4))).toBe(6);
    expect(readExifOrientation(Uint8Array.from(exifWithOrientation()))).toBe(6);
  });

  it('adds nothing for an upright photo or an Exif block it cannot read', () => {
    // The sample's Exif has no orientation: no APP1 at all comes out.
    expect(Buffer.from(stripImageMetadata(jpeg()).bytes).includes(Buffer.from([0xff, 0xe1]))).toBe(
      false,
    );
    expect(readExifOrientation(Uint8Array.from(ascii('Exif\0\0garbage')))).toBeNull();
    expect(readExifOrientation(orientationOnlyApp1(1).subarray(4))).toBeNull();
  });
});

describe('stripImageMetadata', () => {
  it('removes Exif (GPS), comments and keeps the JFIF, colour profile and image data of a JPEG', () => {
    const result = stripImageMetadata(jpeg());
    expect(result.format).toBe('jpeg');
    expect(result.removed).toEqual(['APP1 (Exif/XMP)', 'COM']);
    expect(has(result.bytes, 'GPS')).toBe(false);
    expect(has(result.bytes, 'CAM-123')).toBe(false);
    expect(has(result.bytes, 'taken at home')).toBe(false);
    expect(has(result.bytes, 'JFIF')).toBe(true);
    expect(has(result.bytes, 'ICC_PROFILE')).toBe(true);
    expect(Buffer.from(result.bytes.subarray(-7)).toString('hex')).toBe('1234ff0056ffd9');
    // Idempotent: stripping again changes nothing.
    expect(stripImageMetadata(result.bytes).bytes).toEqual(result.bytes);
  });

  it('removes eXIf, text and time chunks of a PNG and keeps the pixels and colour', () => {
    const result = stripImageMetadata(png());
    expect(result.format).toBe('png');
    expect(result.removed).toEqual(['tEXt', 'eXIf', 'tIME']);
    expect(has(result.bytes, '48.8584N')).toBe(false);
    for (const kept of ['IHDR', 'sRGB', 'IDAT', 'IEND']) expect(has(result.bytes, kept)).toBe(true);
  });

  it('removes EXIF and XMP chunks of a WebP, clears their flags and fixes the RIFF size', () => {
    const result = stripImageMetadata(webp());
    expect(result.format).toBe('webp');
    expect(result.removed).toEqual(['EXIF', 'XMP']);
    expect(has(result.bytes, '48.8584N')).toBe(false);
    expect(has(result.bytes, 'Alice')).toBe(false);
    const view = new DataView(result.bytes.buffer, result.bytes.byteOffset);
    expect(view.getUint32(4, true)).toBe(result.bytes.length - 8);
    expect(result.bytes[20]).toBe(0x00); // VP8X flags: no Exif, no XMP
  });

  it('leaves other files as they are and refuses a truncated header', () => {
    const pdf = Uint8Array.from(ascii('%PDF-1.7 GPS'));
    expect(stripImageMetadata(pdf)).toEqual({ bytes: pdf, removed: [], format: null });
    expect(() => stripImageMetadata(jpeg().subarray(0, 30))).toThrow(/JPEG/);
    expect(() => stripImageMetadata(png().subarray(0, 30))).toThrow(/PNG/);
  });
});
