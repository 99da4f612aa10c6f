import type { DescribePicture } from '../core/chat/ChatEngine.js';
import { makeThumbnail } from '../core/files/makeThumbnail.js';

/**
 * A picture's size and preview with the browser's decoder and a canvas: `createImageBitmap`
 * applies the photo's orientation, and the canvas's JPEG carries no metadata at all. Null for
 * bytes the browser cannot decode.
 */
export const describeCanvasPicture: DescribePicture = async (bytes, mimeType) => {
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(
      new Blob([bytes as Uint8Array<ArrayBuffer>], { type: mimeType }),
    );
  } catch {
    return null;
  }
  try {
    const encode = async (width: number, height: number, quality: number) => {
      const canvas = new OffscreenCanvas(width, height);
      const context = canvas.getContext('2d');
      if (context === null) throw new Error('no 2d canvas');
      context.drawImage(bitmap, 0, 0, width, height);
      const blob = await canvas.convertToBlob({ type: 'image/jpeg', quality });
      return new Uint8Array(await blob.arrayBuffer());
    };
    const thumbnail = await makeThumbnail(encode, bitmap.width, bitmap.height);
    return {
      width: bitmap.width,
      height: bitmap.height,
      thumbnail: thumbnail?.bytes ?? new Uint8Array(0),
    };
  } finally {
    bitmap.close();
  }
};
