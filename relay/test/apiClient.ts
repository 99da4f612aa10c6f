import https from 'node:https';
import type { RelayProcess } from './relayProcess.js';

export interface ApiResult {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  // Tests look into bodies freely; the relay's own types are checked where it builds them.
  readonly body: Record<string, unknown> & { error?: { code: string; message: string } };
}

/**
 * A browser-like client for the JSON API: it sends the Origin the PWA would send and keeps the
 * session cookie it is given, like a cookie jar holding one cookie.
 */
export class ApiClient {
  cookie = '';
  readonly origin: string;

  constructor(
    private readonly relay: RelayProcess,
    options: { origin?: string } = {},
  ) {
    this.origin = options.origin ?? `https://vaultroom.local:${relay.httpsPort}`;
  }

  request(
    method: string,
    path: string,
    body?: unknown,
    overrides: {
      origin?: string | null;
      contentType?: string;
      cookie?: string;
      /** Sent as UTF-8 bytes, as browsers do. */
      userAgent?: string;
    } = {},
  ): Promise<ApiResult> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const origin = overrides.origin === undefined ? this.origin : overrides.origin;
    const headers: Record<string, string> = {
      host: `vaultroom.local:${this.relay.httpsPort}`,
      // Node writes header strings one byte per character: give it the UTF-8 bytes that way.
      'user-agent': Buffer.from(
        overrides.userAgent ??
          'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
        'utf8',
      ).toString('latin1'),
    };
    if (origin !== null) headers['origin'] = origin;
    const cookie = overrides.cookie ?? this.cookie;
    if (cookie !== '') headers['cookie'] = cookie;
    if (payload !== undefined) {
      headers['content-type'] = overrides.contentType ?? 'application/json';
      headers['content-length'] = String(Buffer.byteLength(payload));
    }
    return new Promise((resolve, reject) => {
      const req = https.request(
        {
          host: '127.0.0.1',
          port: this.relay.httpsPort,
          path,
          method,
          ca: this.relay.caPem(),
          servername: 'vaultroom.local',
          headers,
          agent: false,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => {
            const setCookie = res.headers['set-cookie']?.[0];
            if (setCookie !== undefined) {
              const pair = setCookie.split(';')[0] ?? '';
              this.cookie = pair.endsWith('=') ? '' : pair;
            }
            const text = Buffer.concat(chunks).toString();
            resolve({
              status: res.statusCode ?? 0,
              headers: res.headers,
              body: text === '' ? {} : (JSON.parse(text) as ApiResult['body']),
            });
          });
        },
      );
      req.on('error', reject);
      // A Buffer, not a string: Node would encode the headers with a string body's encoding.
      if (payload !== undefined) req.write(Buffer.from(payload, 'utf8'));
      req.end();
    });
  }
}
