import https from 'node:https';
import type { RelayProcess } from '../relayProcess.js';

export interface RawResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly text: string;
}

/**
 * One HTTPS request with any body bytes and headers, over a keep-alive agent so a fuzzer can send
 * thousands without a TLS handshake each. The Host and Origin are the app's unless overridden.
 */
export function rawRequest(
  relay: RelayProcess,
  agent: https.Agent,
  request: {
    method: string;
    path: string;
    body?: Buffer | string;
    headers?: Record<string, string>;
  },
): Promise<RawResponse> {
  const headers: Record<string, string> = {
    host: `vaultroom.local:${relay.httpsPort}`,
    origin: `https://vaultroom.local:${relay.httpsPort}`,
    ...request.headers,
  };
  if (request.body !== undefined)
    headers['content-length'] = String(Buffer.byteLength(request.body));
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: '127.0.0.1',
        port: relay.httpsPort,
        path: request.path,
        method: request.method,
        ca: relay.caPem(),
        servername: 'vaultroom.local',
        headers,
        agent,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text: Buffer.concat(chunks).toString(),
          });
        });
      },
    );
    req.setTimeout(10_000, () =>
      req.destroy(new Error(`no answer to ${request.method} ${request.path}`)),
    );
    req.on('error', reject);
    if (request.body !== undefined) req.write(request.body);
    req.end();
  });
}
