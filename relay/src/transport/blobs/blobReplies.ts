import type { HttpResponse } from 'uWebSockets.js';
import { TUS_VERSION } from '@vaultroom/shared';
import type { ApiError } from '../../api/ApiError.js';
import { SECURITY_HEADERS } from '../securityHeaders.js';

export type Headers = readonly (readonly [string, string])[];

/** Headers on every blob response: the security policy, no caching, the tus version. */
export function commonHeaders(res: HttpResponse): void {
  for (const [name, value] of SECURITY_HEADERS) res.writeHeader(name, value);
  res.writeHeader('Cache-Control', 'no-store');
  res.writeHeader('Tus-Resumable', TUS_VERSION);
}

/** A whole response without a body (tus answers mostly in headers). */
export function replyEmpty(res: HttpResponse, status: string, headers: Headers = []): void {
  res.cork(() => {
    res.writeStatus(status);
    commonHeaders(res);
    for (const [name, value] of headers) res.writeHeader(name, value);
    res.end();
  });
}

/**
 * A HEAD answer: the body's length is a header, never given to endWithoutBody (this binding
 * aborts the process when it is, see transport/respond.ts).
 */
export function replyHead(res: HttpResponse, status: string, headers: Headers): void {
  res.cork(() => {
    res.writeStatus(status);
    commonHeaders(res);
    for (const [name, value] of headers) res.writeHeader(name, value);
    res.endWithoutBody();
  });
}

/**
 * What a refused blob request gets: the JSON API's coded error, with the tus headers too. A HEAD
 * answer carries the status and headers only: a body there would be read as the next response.
 */
export function replyError(
  res: HttpResponse,
  error: ApiError,
  headers: Headers = [],
  isHead = false,
): void {
  const body = JSON.stringify({ error: { code: error.code, message: error.message } });
  res.cork(() => {
    res.writeStatus(error.status);
    commonHeaders(res);
    if (error.retryAfterSeconds !== undefined) {
      res.writeHeader('Retry-After', String(Math.ceil(error.retryAfterSeconds)));
    }
    for (const [name, value] of headers) res.writeHeader(name, value);
    res.writeHeader('Content-Type', 'application/json; charset=utf-8');
    if (isHead) {
      res.writeHeader('Content-Length', String(Buffer.byteLength(body)));
      res.endWithoutBody();
    } else {
      res.end(body);
    }
  });
}
