import { describe, expect, it } from 'vitest';
import { fitWithin, makeThumbnail, type EncodeImage } from './makeThumbnail.js';

/** A fake encoder whose output grows with the pixels and the quality, like JPEG's roughly does. */
const fakeEncoder = (bytesPerPixel: number, calls: string[] = []): EncodeImage => {
  return (width, height, quality) => {
    calls.push(`${width}x${height}@${quality}`);
    return Promise.resolve(new Uint8Array(Math.round(width * height * bytesPerPixel * quality)));
  };
};

describe('makeThumbnail', () => {
  it('fits a picture in the box, keeps its shape and never enlarges it', () => {
    expect(fitWithin(4032, 3024, 320)).toEqual([320, 240]);
    expect(fitWithin(1080, 1920, 320)).toEqual([180, 320]);
    expect(fitWithin(100, 50, 320)).toEqual([100, 50]);
    expect(fitWithin(10_000, 1, 320)).toEqual([320, 1]);
  });

  it('takes the largest, best thumbnail that fits 16 KiB', async () => {
    const calls: string[] = [];
    const thumbnail = await makeThumbnail(fakeEncoder(0.3, calls), 4032, 3024);
    // 320×240 at 0.7 is 16,128 bytes: it fits at once.
    expect(calls).toEqual(['320x240@0.7']);
    expect(thumbnail).toMatchObject({ width: 320, height: 240 });
  });

  it('steps down in quality, then in size, and gives up when nothing fits', async () => {
    const calls: string[] = [];
    const thumbnail = await makeThumbnail(fakeEncoder(1, calls), 4032, 3024);
    expect(calls.slice(0, 4)).toEqual([
      '320x240@0.7',
      '320x240@0.5',
      '320x240@0.35',
      '240x180@0.7',
    ]);
    expect(thumbnail?.bytes.length).toBeLessThanOrEqual(16384);
    expect(thumbnail).toMatchObject({ width: 240, height: 180 });
    expect(await makeThumbnail(fakeEncoder(100), 4032, 3024)).toBeNull();
    expect(await makeThumbnail(fakeEncoder(1), 0, 0)).toBeNull();
  });
});
