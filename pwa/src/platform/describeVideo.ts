import type { PictureDescription } from '../core/chat/ChatEngine.js';
import { makeThumbnail } from '../core/files/makeThumbnail.js';
import { serveFile } from './serveFile.js';

/** Pieces in which the player reads the system's file. */
const PIECE_BYTES = 1024 * 1024;

async function* slicesOf(file: Blob, from: number): AsyncIterable<Uint8Array> {
  for (let at = from; at < file.size; at += PIECE_BYTES) {
    yield new Uint8Array(await file.slice(at, at + PIECE_BYTES).arrayBuffer());
  }
}

/** How long the browser may take to show a video's first frame before we send it without one. */
const FRAME_MS = 10_000;

function whenFired(video: HTMLVideoElement, event: 'loadeddata' | 'seeked'): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error('no frame in time'));
    }, FRAME_MS);
    video.addEventListener(
      event,
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
    video.addEventListener(
      'error',
      () => {
        clearTimeout(timer);
        reject(new Error('the browser cannot play this video'));
      },
      { once: true },
    );
  });
}

/**
 * A video's size and a poster for its bubble, from a frame the browser's own player decodes
 * (a second in, or a tenth of a shorter video: first frames are often black). The player reads
 * the system's File through the service worker's stream, as a received video is played: the
 * app's CSP lets media come from its own origin only (no blob: URL). The poster is a canvas
 * JPEG, so it carries no metadata. Null when the browser cannot play the video: it is sent
 * with a card instead.
 */
export async function describeVideo(file: Blob): Promise<PictureDescription | null> {
  const served = await serveFile({
    name: '',
    mimeType: file.type,
    size: file.size,
    disposition: 'inline',
    read: (from) => slicesOf(file, from),
  });
  const video = document.createElement('video');
  video.muted = true;
  video.playsInline = true;
  video.preload = 'auto';
  try {
    const loaded = whenFired(video, 'loadeddata');
    video.src = served.url;
    await loaded;
    const at = Number.isFinite(video.duration) ? Math.min(1, video.duration / 10) : 0;
    if (at > 0) {
      const seeked = whenFired(video, 'seeked');
      video.currentTime = at;
      await seeked;
    }
    const { videoWidth: width, videoHeight: height } = video;
    if (width === 0 || height === 0) return null;
    const frame = await createImageBitmap(video);
    try {
      const encode = async (w: number, h: number, quality: number) => {
        const canvas = new OffscreenCanvas(w, h);
        const context = canvas.getContext('2d');
        if (context === null) throw new Error('no 2d canvas');
        context.drawImage(frame, 0, 0, w, h);
        const blob = await canvas.convertToBlob({ type: 'image/jpeg', quality });
        return new Uint8Array(await blob.arrayBuffer());
      };
      const thumbnail = await makeThumbnail(encode, width, height);
      return { width, height, thumbnail: thumbnail?.bytes ?? new Uint8Array(0) };
    } finally {
      frame.close();
    }
  } catch {
    return null;
  } finally {
    video.removeAttribute('src');
    video.load();
    served.close();
  }
}
