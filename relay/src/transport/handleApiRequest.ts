import type { HttpRequest, HttpResponse } from 'uWebSockets.js';
import { ApiError } from '../api/ApiError.js';
import { isStorageUnavailable } from '../api/isStorageUnavailable.js';
import type { ApiRequest, ApiResponse, ApiRoute } from '../api/ApiTypes.js';
import { matchRoute } from '../api/matchRoute.js';
import type { Logger } from '../log/createLogger.js';
import { decodeHeader } from './decodeHeader.js';
import { readJsonBody } from './readJsonBody.js';
import { SECURITY_HEADERS } from './securityHeaders.js';

export interface ApiOptions {
  readonly routes: readonly ApiRoute[];
  /** Origins allowed to make state-changing requests, e.g. `https://vaultroom.local:8443`. */
  readonly allowedOrigins: () => readonly string[];
  readonly maxBodyBytes: number;
  readonly log: Logger;
  /** Called with every refusal, for the security event log. */
  readonly onRefused?: (
    request: Pick<ApiRequest, 'path' | 'remoteAddress' | 'userAgent'>,
    error: ApiError,
  ) => void;
}

/** What a client is told to wait before retrying a request the database could not take. */
const STORAGE_RETRY_SECONDS = 5;

interface Outcome {
  readonly status: string;
  readonly body: unknown;
  readonly setCookies: readonly string[];
  readonly extraHeaders: readonly (readonly [string, string])[];
}

function fromResponse(response: ApiResponse): Outcome {
  return {
    status: response.status,
    body: response.body,
    setCookies: response.setCookies ?? [],
    extraHeaders: [],
  };
}

function fromError(error: ApiError, allowed: readonly string[] = []): Outcome {
  const extraHeaders: [string, string][] = [];
  if (error.retryAfterSeconds !== undefined) {
    extraHeaders.push(['Retry-After', String(Math.ceil(error.retryAfterSeconds))]);
  }
  if (allowed.length > 0) extraHeaders.push(['Allow', allowed.join(', ')]);
  return {
    status: error.status,
    body: { error: { code: error.code, message: error.message } },
    setCookies: [],
    extraHeaders,
  };
}

function write(res: HttpResponse, outcome: Outcome): void {
  res.cork(() => {
    res.writeStatus(outcome.status);
    for (const [name, value] of SECURITY_HEADERS) res.writeHeader(name, value);
    res.writeHeader('Cache-Control', 'no-store');
    for (const [name, value] of outcome.extraHeaders) res.writeHeader(name, value);
    for (const cookie of outcome.setCookies) res.writeHeader('Set-Cookie', cookie);
    if (outcome.body === undefined) {
      res.end();
    } else {
      res.writeHeader('Content-Type', 'application/json; charset=utf-8');
      res.end(JSON.stringify(outcome.body));
    }
  });
}

/**
 * Runs one JSON API request. Everything is copied out of `req` first, since uWS invalidates it
 * on the first await; `onAborted` is attached before any await, so a client that disconnects
 * mid-request never makes us write to a dead response.
 */
export function handleApiRequest(res: HttpResponse, req: HttpRequest, options: ApiOptions): void {
  const method = req.getCaseSensitiveMethod();
  const path = req.getUrl();
  const queryString = req.getQuery();
  const origin = req.getHeader('origin');
  const cookie = req.getHeader('cookie');
  const userAgent = decodeHeader(req.getHeader('user-agent'));
  const contentType = req.getHeader('content-type');
  const remoteAddress = Buffer.from(res.getRemoteAddressAsText()).toString();
  let aborted = false;
  res.onAborted(() => {
    aborted = true;
  });

  const run = async (): Promise<Outcome> => {
    const match = matchRoute(options.routes, method, path);
    if (match.kind === 'none') throw new ApiError('NOT_FOUND', 'No such API endpoint');
    if (match.kind === 'wrong-method') {
      return fromError(new ApiError('METHOD_NOT_ALLOWED', 'Method not allowed'), match.allowed);
    }
    // SameSite=Strict already keeps the session cookie off cross-site requests; checking Origin
    // on every state change too means a browser bug or a sibling subdomain cannot forge one.
    if (method !== 'GET' && !options.allowedOrigins().includes(origin)) {
      throw new ApiError('ORIGIN_REFUSED', 'Requests must come from the VaultRoom app itself');
    }
    let body: unknown;
    if (method === 'POST' || method === 'PATCH') {
      if (!/^application\/json(;|$)/i.test(contentType)) {
        throw new ApiError('UNSUPPORTED_MEDIA_TYPE', 'Send the request body as application/json');
      }
      // Still synchronous up to here: uWS requires onData to be attached before the first await.
      body = await readJsonBody(res, options.maxBodyBytes);
    }
    const request: ApiRequest = {
      method,
      path,
      query: queryString,
      params: match.params,
      origin,
      cookie,
      userAgent,
      remoteAddress,
      body,
    };
    return fromResponse(await match.route.handler(request));
  };

  run()
    .catch((error: unknown): Outcome => {
      if (error instanceof ApiError) {
        options.onRefused?.({ path, remoteAddress, userAgent }, error);
        return fromError(error);
      }
      if (isStorageUnavailable(error)) {
        // The operator must hear of a full disk or a stuck lock; the client may simply retry.
        options.log.error(
          { err: error, path, method },
          'API request found the database unavailable',
        );
        return fromError(
          new ApiError(
            'UNAVAILABLE',
            'The relay cannot store anything right now; try again shortly',
            STORAGE_RETRY_SECONDS,
          ),
        );
      }
      options.log.error({ err: error, path, method }, 'API request failed');
      return fromError(new ApiError('INTERNAL', 'Something went wrong on the relay'));
    })
    .then((outcome) => {
      if (!aborted) write(res, outcome);
    })
    .catch((error: unknown) => {
      options.log.error({ err: error, path }, 'could not write API response');
    });
}
