/**
 * How the page and the service worker stream a decrypted file (issue #19): the page opens a
 * stream with FILE_STREAM_OPEN and a control port; the worker then serves
 * `FILE_STREAM_PATH + id` and, for each request it answers, asks the page over the control port
 * for a range, with a port of its own that carries pieces one pull at a time (backpressure: the
 * page decrypts the next piece only when the worker's response body wants it). Nothing is cached
 * or written to disk on the way; the relay never sees these requests.
 */

/** Same-origin path under which the worker serves opened files; not an app route. */
export const FILE_STREAM_PATH = '/files/stream/';

/** What the page says, about a file, when it opens a stream (to the worker, with a port). */
export interface FileStreamOpen {
  readonly type: 'FILE_STREAM_OPEN';
  /** Random, 32 hex digits: the URL names nothing about the file. */
  readonly id: string;
  /** Display name, for the Content-Disposition of a download. */
  readonly name: string;
  readonly mimeType: string;
  readonly size: number;
  /** `attachment` has the browser save it; `inline` lets a viewer show it. */
  readonly disposition: 'attachment' | 'inline';
}

/** Worker → page, on the control port. */
export type FileStreamControl =
  | { readonly type: 'ready' }
  /** A request wants `length` bytes from `from`; its pieces go over the port sent along. */
  | { readonly type: 'read'; readonly from: number; readonly length: number };

/** Page → worker, on the control port: the file is closed, its URL answers no more. */
export interface FileStreamClose {
  readonly type: 'close';
}

/** Worker → page on a read's port: the next piece, or stop. */
export type FileStreamPull = { readonly type: 'pull' } | { readonly type: 'cancel' };

/** Page → worker on a read's port. */
export type FileStreamPiece =
  | { readonly type: 'piece'; readonly bytes: ArrayBuffer }
  | { readonly type: 'end' }
  | { readonly type: 'error' };

const ID = /^[0-9a-f]{32}$/;

/** A FileStreamOpen from untyped message data, or null. */
export function readFileStreamOpen(data: unknown): FileStreamOpen | null {
  if (typeof data !== 'object' || data === null) return null;
  const open = data as Partial<Record<keyof FileStreamOpen, unknown>>;
  if (
    open.type !== 'FILE_STREAM_OPEN' ||
    typeof open.id !== 'string' ||
    !ID.test(open.id) ||
    typeof open.name !== 'string' ||
    typeof open.mimeType !== 'string' ||
    typeof open.size !== 'number' ||
    !Number.isSafeInteger(open.size) ||
    open.size < 0 ||
    (open.disposition !== 'attachment' && open.disposition !== 'inline')
  ) {
    return null;
  }
  return {
    type: open.type,
    id: open.id,
    name: open.name,
    mimeType: open.mimeType,
    size: open.size,
    disposition: open.disposition,
  };
}
