import fs from 'node:fs';
import type { HttpResponse } from 'uWebSockets.js';
import { commonHeaders, type Headers } from './blobReplies.js';

/** Read size: large enough for throughput, small enough that a slow reader holds little. */
const READ_BYTES = 256 * 1024;

/**
 * Streams `length` bytes of a file from `start` as one response, with uWS backpressure: when the
 * socket cannot take a chunk, reading pauses until onWritable says it drained (the pattern of
 * uWS's own video-streamer example). `abort` is set by the caller's onAborted; then the file is
 * closed and nothing is written. The file was opened before the first byte, so a sweep that
 * unlinks it meanwhile does not cut the download.
 */
export function streamFile(
  res: HttpResponse,
  file: string,
  range: { start: number; length: number },
  head: { status: string; headers: Headers },
  onAbort: (listener: () => void) => void,
): void {
  const stream = fs.createReadStream(file, {
    start: range.start,
    end: range.start + range.length - 1,
    highWaterMark: READ_BYTES,
  });
  let headWritten = false;
  let done = false;
  const writeHead = () => {
    if (headWritten) return;
    headWritten = true;
    res.writeStatus(head.status);
    commonHeaders(res);
    for (const [name, value] of head.headers) res.writeHeader(name, value);
  };
  const finish = () => {
    done = true;
    stream.destroy();
  };
  onAbort(() => {
    done = true;
    stream.destroy();
  });

  /** One tryEnd in a corked batch (with the head before the first chunk): [ok, responded]. */
  const send = (bytes: ArrayBuffer): [boolean, boolean] => {
    let result: [boolean, boolean] = [false, false];
    res.cork(() => {
      writeHead();
      result = res.tryEnd(bytes, range.length);
    });
    return result;
  };

  stream.on('data', (data) => {
    if (done) return;
    // A copy as an ArrayBuffer of its own: uWS may keep it until the socket drains.
    const bytes = new Uint8Array(data as Buffer).buffer;
    const lastOffset = res.getWriteOffset();
    const [ok, responded] = send(bytes);
    if (responded) {
      finish();
      return;
    }
    if (ok) return;
    stream.pause();
    res.onWritable((offset) => {
      if (done) return true;
      const [retried, finished] = send(bytes.slice(offset - lastOffset));
      if (finished) finish();
      else if (retried) stream.resume();
      return retried;
    });
  });
  stream.on('error', () => {
    if (done) return;
    done = true;
    // Nothing sensible can follow a half-sent body: close, and the client retries with Range.
    res.close();
  });
}
