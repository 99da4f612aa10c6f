import {
  FILE_STREAM_PATH,
  readFileStreamOpen,
  type FileStreamControl,
  type FileStreamOpen,
  type FileStreamPiece,
  type FileStreamPull,
} from './fileStreamMessages.js';
import { parseByteRange } from './parseByteRange.js';

/**
 * Types a viewer may show inline. Anything else (HTML, SVG, scripts: a sender names the type) is
 * only ever served as a download of opaque bytes.
 */
const INLINE_TYPES = /^(image\/(jpeg|png|webp|gif|avif)|video\/(mp4|webm|ogg|quicktime))$/;

/** How long the page may take to answer a pull: a piece is decrypted in milliseconds. */
const ANSWER_MS = 30_000;

/** The service worker's side of streamed files (fileStreamMessages.ts). */
export interface FileStreamRoute {
  /** Takes a message sent to the worker; true when it opened a stream. */
  open(data: unknown, ports: readonly MessagePort[]): boolean;
  /** The response to a request for an opened file; null for any other request. */
  respond(request: Request): Promise<Response> | null;
}

interface OpenFile {
  readonly file: FileStreamOpen;
  readonly control: MessagePort;
}

export function createFileStreamRoute(origin: string): FileStreamRoute {
  const files = new Map<string, OpenFile>();
  return {
    open(data, ports) {
      const file = readFileStreamOpen(data);
      const control = ports[0];
      if (file === null || control === undefined) return false;
      files.set(file.id, { file, control });
      control.onmessage = (event) => {
        if ((event.data as { readonly type?: unknown } | null)?.type === 'close') {
          files.delete(file.id);
          control.close();
        }
      };
      const ready: FileStreamControl = { type: 'ready' };
      control.postMessage(ready);
      return true;
    },
    respond(request) {
      const url = new URL(request.url);
      if (url.origin !== origin || !url.pathname.startsWith(FILE_STREAM_PATH)) return null;
      if (request.method !== 'GET' && request.method !== 'HEAD') return null;
      const opened = files.get(url.pathname.slice(FILE_STREAM_PATH.length));
      // An unknown or closed id: the same answer as for any missing file, from here, so the
      // request never reaches the relay.
      if (opened === undefined) return Promise.resolve(new Response(null, { status: 404 }));
      return Promise.resolve(responseFor(opened, request));
    },
  };
}

function responseFor({ file, control }: OpenFile, request: Request): Response {
  const headers = headersFor(file);
  const range = parseByteRange(request.headers.get('Range'), file.size);
  if (range === 'unsatisfiable') {
    headers.set('Content-Range', `bytes */${String(file.size)}`);
    return new Response(null, { status: 416, headers });
  }
  const first = range?.first ?? 0;
  const length = range === null ? file.size : range.last - range.first + 1;
  headers.set('Content-Length', String(length));
  if (range !== null) {
    headers.set(
      'Content-Range',
      `bytes ${String(first)}-${String(range.last)}/${String(file.size)}`,
    );
  }
  const status = range === null ? 200 : 206;
  if (request.method === 'HEAD' || length === 0) return new Response(null, { status, headers });
  return new Response(bodyFrom(control, first, length), { status, headers });
}

function headersFor(file: FileStreamOpen): Headers {
  const inline = file.disposition === 'inline' && INLINE_TYPES.test(file.mimeType);
  return new Headers({
    'Content-Type': inline ? file.mimeType : 'application/octet-stream',
    'Content-Disposition': inline ? 'inline' : attachmentDisposition(file.name),
    'Accept-Ranges': 'bytes',
    // Plaintext: never kept by a cache, never sniffed, never run as a document. (A sandbox
    // without allow-downloads would make Chromium cancel the download itself.)
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    'Content-Security-Policy': "default-src 'none'; sandbox allow-downloads",
  });
}

/** RFC 6266: an ASCII fallback name and the exact one in RFC 8187 encoding. */
function attachmentDisposition(name: string): string {
  const fallback = name.replace(/[^\x20-\x7e]|["\\]/g, '_') || 'file';
  return `attachment; filename="${fallback}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

/** A response body fed by the page one pull at a time, over a port of its own. */
function bodyFrom(control: MessagePort, from: number, length: number): ReadableStream<Uint8Array> {
  const channel = new MessageChannel();
  const port = channel.port1;
  let answer: ((piece: FileStreamPiece) => void) | null = null;
  port.onmessage = (event) => {
    answer?.(event.data as FileStreamPiece);
    answer = null;
  };
  const read: FileStreamControl = { type: 'read', from, length };
  control.postMessage(read, [channel.port2]);
  const send = (message: FileStreamPull) => {
    port.postMessage(message);
  };
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const piece = await new Promise<FileStreamPiece>((resolve) => {
          // A page closed meanwhile never answers: the response fails instead of hanging.
          const timer = setTimeout(() => {
            resolve({ type: 'error' });
          }, ANSWER_MS);
          answer = (reply) => {
            clearTimeout(timer);
            resolve(reply);
          };
          send({ type: 'pull' });
        });
        if (piece.type === 'piece') {
          controller.enqueue(new Uint8Array(piece.bytes));
          return;
        }
        port.close();
        if (piece.type === 'end') controller.close();
        else controller.error(new Error('the file could not be read'));
      },
      cancel() {
        send({ type: 'cancel' });
        port.close();
      },
    },
    // One piece waits here at most: the page decrypts the next only when this one is taken.
    { highWaterMark: 1 },
  );
}
