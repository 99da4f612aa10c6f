import {
  type FileStreamClose,
  type FileStreamControl,
  type FileStreamOpen,
  type FileStreamPiece,
  type FileStreamPull,
  FILE_STREAM_PATH,
} from '../core/serviceWorker/fileStreamMessages.js';
import type { FileToServe, ServeFile, ServedFile } from '../core/files/ServeFile.js';

/** Bytes the page decrypts ahead per pull of the worker: about one read of the local file. */
const PIECE_BYTES = 1024 * 1024;
/** How long the worker has to take the file before the page falls back to a Blob. */
const READY_MS = 5_000;
/** The worker is stopped when idle for 30 s; a message keeps it up while a file is open. */
const KEEPALIVE_MS = 20_000;
/** A file served to be saved closes itself when no save started within this time. */
const UNREAD_MS = 60_000;

/** Promise.withResolvers, which ES2023 (our lib) does not declare yet. */
function withResolvers(): { promise: Promise<void>; resolve: () => void } {
  let resolve = (): void => undefined;
  const promise = new Promise<void>((settle) => {
    resolve = settle;
  });
  return { promise, resolve };
}

/**
 * Serves a file at a URL for an <a download>, an <img> or a <video>. With a service worker
 * controlling the page, the worker answers the URL and the page decrypts each piece only when
 * the worker's response wants it (fileStreamMessages.ts), so the plaintext is never held whole
 * and never written anywhere but where the person saves it. Without one (the first visit before
 * the worker took over, a browser without workers), a Blob holds it in memory.
 */
export const serveFile: ServeFile = async (file) => {
  const worker = 'serviceWorker' in navigator ? navigator.serviceWorker.controller : null;
  if (worker !== null) {
    const served = await serveThroughWorker(worker, file);
    if (served !== null) return served;
  }
  return serveAsBlob(file);
};

async function serveThroughWorker(
  worker: ServiceWorker,
  file: FileToServe,
): Promise<ServedFile | null> {
  const id = Array.from(crypto.getRandomValues(new Uint8Array(16)), (byte) =>
    byte.toString(16).padStart(2, '0'),
  ).join('');
  const channel = new MessageChannel();
  const control = channel.port1;
  let stop: (() => void) | null = null;
  // A file to save is read once: it closes itself when that read ends.
  const saving = file.disposition === 'attachment';
  const ready = new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => {
      resolve(false);
    }, READY_MS);
    control.onmessage = (event) => {
      const message = event.data as FileStreamControl;
      if (message.type === 'ready') {
        clearTimeout(timer);
        resolve(true);
      } else if (event.ports[0] !== undefined) {
        const served = pump(event.ports[0], file.read(message.from), message.length);
        if (saving) {
          void served.finally(() => {
            stop?.();
          });
        }
      }
    };
  });
  const open: FileStreamOpen = {
    type: 'FILE_STREAM_OPEN',
    id,
    name: file.name,
    mimeType: file.mimeType,
    size: file.size,
    disposition: file.disposition,
  };
  worker.postMessage(open, [channel.port2]);
  if (!(await ready)) {
    control.close();
    return null;
  }
  const keepalive = setInterval(() => {
    worker.postMessage({ type: 'FILE_STREAM_KEEPALIVE' });
  }, KEEPALIVE_MS);
  const unread = saving
    ? setTimeout(() => {
        stop?.();
      }, UNREAD_MS)
    : undefined;
  let closed = false;
  const { promise: whenClosed, resolve: resolveClosed } = withResolvers();
  stop = () => {
    if (closed) return;
    closed = true;
    resolveClosed();
    clearInterval(keepalive);
    clearTimeout(unread);
    const message: FileStreamClose = { type: 'close' };
    control.postMessage(message);
    control.close();
  };
  return {
    url: `${FILE_STREAM_PATH}${id}`,
    streamed: true,
    closed: whenClosed,
    close: stop,
  };
}

/**
 * Answers the worker's pulls for one request: `length` bytes, a piece per pull. Settles when
 * the request ended (all sent, cancelled or failed).
 */
function pump(port: MessagePort, pieces: AsyncIterable<Uint8Array>, length: number): Promise<void> {
  const { promise: done, resolve: ended } = withResolvers();
  const finish = () => {
    port.close();
    ended();
  };
  const iterator = pieces[Symbol.asyncIterator]();
  let left = length;
  const reply = (message: FileStreamPiece, transfer: Transferable[] = []) => {
    port.postMessage(message, transfer);
  };
  const next = async (): Promise<FileStreamPiece> => {
    const batch: Uint8Array[] = [];
    let bytes = 0;
    while (left > 0 && bytes < PIECE_BYTES) {
      const step = await iterator.next();
      if (step.done === true) break;
      const piece = step.value.subarray(0, left);
      batch.push(piece);
      bytes += piece.length;
      left -= piece.length;
    }
    if (bytes === 0) return { type: 'end' };
    const joined = new Uint8Array(bytes);
    let at = 0;
    for (const piece of batch) {
      joined.set(piece, at);
      at += piece.length;
    }
    return { type: 'piece', bytes: joined.buffer };
  };
  const answer = async (asked: FileStreamPull) => {
    if (asked.type === 'cancel') {
      finish();
      await iterator.return?.();
      return;
    }
    try {
      const piece = await next();
      reply(piece, piece.type === 'piece' ? [piece.bytes] : []);
      if (piece.type === 'end') finish();
    } catch {
      // Damaged on the way (FILE_DAMAGED): the response fails, so the browser keeps no file.
      reply({ type: 'error' });
      finish();
    }
  };
  port.onmessage = (event) => {
    void answer(event.data as FileStreamPull);
  };
  return done;
}

async function serveAsBlob(file: FileToServe): Promise<ServedFile> {
  const pieces: Uint8Array<ArrayBuffer>[] = [];
  for await (const piece of file.read(0)) pieces.push(piece as Uint8Array<ArrayBuffer>);
  const url = URL.createObjectURL(new Blob(pieces, { type: file.mimeType }));
  const { promise: closed, resolve } = withResolvers();
  const close = () => {
    URL.revokeObjectURL(url);
    resolve();
  };
  // Time for the download to take the bytes; a viewer closes its file itself.
  if (file.disposition === 'attachment') setTimeout(close, UNREAD_MS);
  return { url, streamed: false, closed, close };
}
