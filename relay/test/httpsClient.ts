import https from 'node:https';
import type { IncomingHttpHeaders } from 'node:http';

export interface Response {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

/**
 * One HTTPS request that trusts only the relay's CA and checks the certificate against
 * `servername`, so a test passes only when the chain and the names are right.
 */
export function request(
  port: number,
  ca: string,
  path: string,
  options: { method?: string; headers?: Record<string, string>; servername?: string } = {},
): Promise<Response> {
  const servername = options.servername ?? 'vaultroom.local';
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: options.method ?? 'GET',
        ca,
        servername,
        headers: { host: `${servername}:${port}`, ...options.headers },
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks),
          });
        });
      },
    );
    req.on('error', reject);
    req.end();
  });
}
