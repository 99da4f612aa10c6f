import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { PushError } from './PushError.js';
import type { ResolvedPushEndpoint } from './resolvePushEndpoint.js';

/** A push request is given this long, connection and answer together. */
export const PUSH_TIMEOUT_MS = 10_000;
/** More of an answer than this is not read: push services answer with a few hundred bytes. */
export const MAX_RESPONSE_BYTES = 8 * 1024;

export interface PushRequest {
  readonly headers: Readonly<Record<string, string | number>>;
  readonly body: Buffer | null;
}

export interface PushResponse {
  readonly status: number;
}

/**
 * POSTs one push message (RFC 8030 §5) to an endpoint that `resolvePushEndpoint` checked. The
 * connection goes to the checked address (the host name still serves for TLS verification and
 * SNI), redirects are not followed, and both time and the answer's size are bounded.
 */
export function postPushMessage(
  endpoint: ResolvedPushEndpoint,
  request: PushRequest,
  timeoutMs: number = PUSH_TIMEOUT_MS,
): Promise<PushResponse> {
  const { address, family } = endpoint;
  // Node asks for every address when it may try both families (autoSelectFamily): either way,
  // the only answer is the address already checked.
  const lookup: LookupFunction = (_hostname, options, callback) => {
    if (options.all === true) {
      (callback as unknown as (e: null, all: { address: string; family: number }[]) => void)(null, [
        { address, family },
      ]);
    } else {
      callback(null, address, family);
    }
  };
  return new Promise((resolve, reject) => {
    const signal = AbortSignal.timeout(timeoutMs);
    const req = https.request(
      endpoint.url,
      {
        method: 'POST',
        headers: request.headers,
        lookup,
        agent: false,
        signal,
      },
      (res) => {
        let received = 0;
        res.on('data', (chunk: Buffer) => {
          received += chunk.byteLength;
          if (received > MAX_RESPONSE_BYTES) {
            res.destroy();
            reject(new PushError('PUSH_REJECTED', 'the push service answered with too much'));
          }
        });
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0 });
        });
        res.on('error', (error) => {
          reject(toPushError(error, signal));
        });
      },
    );
    req.on('error', (error) => {
      reject(toPushError(error, signal));
    });
    req.end(request.body ?? undefined);
  });
}

function toPushError(error: Error, signal: AbortSignal): PushError {
  if (signal.aborted) {
    return new PushError('PUSH_TIMEOUT', 'the push service did not answer in time', {
      cause: error,
    });
  }
  return new PushError('PUSH_UNREACHABLE', 'the push service could not be reached', {
    cause: error,
  });
}
