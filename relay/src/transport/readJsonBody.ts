import type { HttpResponse } from 'uWebSockets.js';
import { ApiError } from '../api/ApiError.js';

/**
 * Collects a request body up to `maxBytes` and parses it as JSON. uWS hands out chunks that are
 * only valid during the callback, so each is copied. `aborted` is the caller's onAborted flag;
 * a body over the limit is refused as soon as it crosses it, without buffering the rest.
 */
export function readJsonBody(res: HttpResponse, maxBytes: number): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    res.onData((chunk, isLast) => {
      if (done) return;
      size += chunk.byteLength;
      if (size > maxBytes) {
        done = true;
        reject(new ApiError('BODY_TOO_LARGE', `The request body is larger than ${maxBytes} bytes`));
        return;
      }
      chunks.push(Buffer.from(chunk.slice(0)));
      if (!isLast) return;
      done = true;
      const text = Buffer.concat(chunks).toString('utf8');
      if (text.length === 0) {
        resolve(undefined);
        return;
      }
      try {
        resolve(JSON.parse(text));
      } catch {
        reject(new ApiError('BAD_REQUEST', 'The request body is not valid JSON'));
      }
    });
  });
}
