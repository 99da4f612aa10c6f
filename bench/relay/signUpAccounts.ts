import https from 'node:https';
import type { PublicKeyCredentialCreationOptionsJSON } from '@simplewebauthn/server';
import { ACCOUNTS_API } from '@vaultroom/shared';
import { SoftAuthenticator } from '../../relay/test/softAuthenticator.js';

export interface SignUpTarget {
  readonly port: number;
  readonly ca: string;
  /** The origin the relay expects, when it is not the port's own (relays behind one address). */
  readonly origin?: string;
}

/**
 * Signs up `count` accounts through the relay's real passkey ceremony (open registration, the
 * software authenticator) and returns each one's session cookie. Set-up, not measured: it reuses
 * TLS connections and runs a few ceremonies at once.
 */
export async function signUpAccounts(
  target: SignUpTarget,
  count: number,
  prefix: string,
): Promise<string[]> {
  const origin = target.origin ?? `https://vaultroom.local:${target.port}`;
  const agent = new https.Agent({ keepAlive: true, maxSockets: 8, ca: target.ca });
  const post = (
    path: string,
    body: unknown,
  ): Promise<{ status: number; cookie: string | null; body: Record<string, unknown> }> =>
    new Promise((resolve, reject) => {
      const payload = JSON.stringify(body);
      const req = https.request(
        {
          host: '127.0.0.1',
          port: target.port,
          path,
          method: 'POST',
          servername: 'vaultroom.local',
          agent,
          headers: {
            host: `vaultroom.local:${target.port}`,
            origin,
            'content-type': 'application/json',
            'content-length': String(Buffer.byteLength(payload)),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => {
            const setCookie = res.headers['set-cookie']?.[0];
            resolve({
              status: res.statusCode ?? 0,
              cookie: setCookie === undefined ? null : (setCookie.split(';')[0] ?? null),
              body: JSON.parse(Buffer.concat(chunks).toString() || '{}') as Record<string, unknown>,
            });
          });
        },
      );
      req.on('error', reject);
      req.end(payload);
    });

  const cookies: string[] = new Array<string>(count);
  let next = 0;
  const lane = async () => {
    while (next < count) {
      const i = next++;
      const handle = `${prefix}${i}`;
      const key = new SoftAuthenticator({ origin });
      const begin = await post(ACCOUNTS_API.registrationOptions, { handle, displayName: handle });
      if (begin.status !== 200)
        throw new Error(`sign-up of ${handle}: ${JSON.stringify(begin.body)}`);
      const done = await post(ACCOUNTS_API.registrationVerify, {
        ceremonyId: begin.body['ceremonyId'],
        response: key.register(begin.body['options'] as PublicKeyCredentialCreationOptionsJSON),
      });
      if (done.status !== 201 || done.cookie === null)
        throw new Error(`sign-up of ${handle}: ${JSON.stringify(done.body)}`);
      cookies[i] = done.cookie;
    }
  };
  try {
    await Promise.all(Array.from({ length: 8 }, lane));
  } finally {
    agent.destroy();
  }
  return cookies;
}
