import { attachmentLabels } from '@vaultroom/shared/crypto';

/** Encodes the picture scaled to `width` × `height` as JPEG at `quality` (0..1); a platform port. */
export type EncodeImage = (width: number, height: number, quality: number) => Promise<Uint8Array>;

export interface Thumbnail {
  readonly bytes: Uint8Array;
  readonly width: number;
  readonly height: number;
}

/** Longest side first, then smaller ones; qualities from good to acceptable at each size. */
const SIDES = [320, 240, 160, 96] as const;
const QUALITIES = [0.7, 0.5, 0.35] as const;

/** The picture scaled to fit a `side` × `side` box, never enlarged, at least 1 px each way. */
export function fitWithin(width: number, height: number, side: number): [number, number] {
  const scale = Math.min(1, side / Math.max(width, height));
  return [Math.max(1, Math.round(width * scale)), Math.max(1, Math.round(height * scale))];
}

/**
 * The inline thumbnail of an attachment pointer (PROTOCOL.md §1.16.3): the largest and best one
 * that fits its 16 KiB, trying smaller sizes and lower qualities in turn; null when even the
 * smallest does not fit (the pointer then carries none). The encoder is a port: a canvas in the
 * browser (which also applies the photo's orientation and drops all metadata), a fake in tests.
 */
export async function makeThumbnail(
  encode: EncodeImage,
  width: number,
  height: number,
  maxBytes: number = attachmentLabels.ATTACHMENT_POINTER_LIMITS.thumbnail,
): Promise<Thumbnail | null> {
  if (width <= 0 || height <= 0) return null;
  for (const side of SIDES) {
    const [w, h] = fitWithin(width, height, side);
    for (const quality of QUALITIES) {
      const bytes = await encode(w, h, quality);
      if (bytes.length <= maxBytes) return { bytes, width: w, height: h };
    }
  }
  return null;
}
