/** A JSON API request as features see it: plain data, copied out of the transport. */
export interface ApiRequest {
  readonly method: string;
  readonly path: string;
  /** The raw query string, without the `?`. */
  readonly query: string;
  /** Values of `:name` segments of the route pattern. */
  readonly params: Readonly<Record<string, string>>;
  readonly origin: string;
  readonly cookie: string;
  readonly userAgent: string;
  readonly remoteAddress: string;
  /** The parsed JSON body; `undefined` when the request had none. */
  readonly body: unknown;
}

export interface ApiResponse {
  readonly status: '200 OK' | '201 Created' | '204 No Content';
  readonly body?: unknown;
  /** Complete Set-Cookie header values. */
  readonly setCookies?: readonly string[];
}

export type ApiHandler = (request: ApiRequest) => Promise<ApiResponse>;

export interface ApiRoute {
  readonly method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** A path under /api with optional `:name` segments, e.g. `/api/passkeys/:id`. */
  readonly pattern: string;
  readonly handler: ApiHandler;
}
