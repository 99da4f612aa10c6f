import type { HttpResponse } from 'uWebSockets.js';
import { SECURITY_HEADERS } from './securityHeaders.js';

export interface Reply {
  readonly status: string;
  readonly headers?: readonly (readonly [string, string])[];
  readonly body?: Buffer | string;
}

/**
 * Writes a whole response in one corked batch, with the security headers on every one. For HEAD
 * the body is left out but its length is still reported, as RFC 9110 §9.3.2 asks.
 */
export function respond(res: HttpResponse, reply: Reply, isHead: boolean): void {
  res.cork(() => {
    res.writeStatus(reply.status);
    for (const [name, value] of SECURITY_HEADERS) res.writeHeader(name, value);
    for (const [name, value] of reply.headers ?? []) res.writeHeader(name, value);
    const body = reply.body ?? '';
    if (isHead) {
      // This binding aborts the process when endWithoutBody() is given a length, so the length
      // is written as a header and the no-argument form is used.
      res.writeHeader('Content-Length', String(Buffer.byteLength(body)));
      res.endWithoutBody();
    } else {
      res.end(body);
    }
  });
}

export function textReply(status: string, text: string, headers: Reply['headers'] = []): Reply {
  return {
    status,
    headers: [
      ['Content-Type', 'text/plain; charset=utf-8'],
      ['Cache-Control', 'no-store'],
      ...headers,
    ],
    body: `${text}\n`,
  };
}

export function jsonReply(status: string, value: unknown): Reply {
  return {
    status,
    headers: [
      ['Content-Type', 'application/json; charset=utf-8'],
      ['Cache-Control', 'no-store'],
    ],
    body: JSON.stringify(value),
  };
}
