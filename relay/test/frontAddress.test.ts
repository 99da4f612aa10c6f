import fs from 'node:fs';
import https from 'node:https';
import type {
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
} from '@simplewebauthn/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, type ApiResult } from './apiClient.js';
import { runCli, startRelayProcess, type RelayProcess } from './relayProcess.js';
import { SoftAuthenticator, type AuthenticationTamper } from './softAuthenticator.js';

/*
 * A relay behind a load balancer in TCP pass-through sees every client at the front's address.
 * With --front-address naming it, ceremonies from that address are not limited per address;
 * every other address still is, and so is each account's run of failed sign-ins. The relays here
 * allow one ceremony a minute per address, so any second ceremony would otherwise be refused.
 */
const FRONT = '127.0.0.1';
const OTHER = '127.0.0.2';
const ONE_A_MINUTE = ['--auth-rate-per-minute', '1'];

/** One JSON POST from a chosen loopback source address (ApiClient always uses 127.0.0.1). */
function postFrom(relay: RelayProcess, localAddress: string, path: string): Promise<ApiResult> {
  const body = '{}';
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: '127.0.0.1',
        localAddress,
        port: relay.httpsPort,
        path,
        method: 'POST',
        ca: relay.caPem(),
        servername: 'vaultroom.local',
        agent: false,
        headers: {
          host: `vaultroom.local:${relay.httpsPort}`,
          origin: `https://vaultroom.local:${relay.httpsPort}`,
          'content-type': 'application/json',
          'content-length': String(body.length),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
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
    req.end(body);
  });
}

async function signUpAdmin(relay: RelayProcess, key: SoftAuthenticator): Promise<ApiResult> {
  const client = new ApiClient(relay);
  const invite = new URL(relay.adminInvite() ?? '').hash.replace(/^#invite=/, '');
  const begin = await client.request('POST', '/api/registration/options', {
    invite,
    handle: 'front',
    displayName: 'Front',
  });
  expect(begin.status, JSON.stringify(begin.body)).toBe(200);
  return client.request('POST', '/api/registration/verify', {
    ceremonyId: begin.body['ceremonyId'],
    response: key.register(begin.body['options'] as PublicKeyCredentialCreationOptionsJSON),
  });
}

async function signIn(
  relay: RelayProcess,
  key: SoftAuthenticator,
  tamper?: AuthenticationTamper,
): Promise<ApiResult> {
  const client = new ApiClient(relay);
  const begin = await client.request('POST', '/api/sign-in/options', {});
  expect(begin.status, JSON.stringify(begin.body)).toBe(200);
  return client.request('POST', '/api/sign-in/verify', {
    ceremonyId: begin.body['ceremonyId'],
    response: key.authenticate(
      begin.body['options'] as PublicKeyCredentialRequestOptionsJSON,
      tamper,
    ),
  });
}

describe('a relay behind a load balancer (--front-address)', () => {
  let relay: RelayProcess;
  let key: SoftAuthenticator;

  beforeAll(async () => {
    relay = await startRelayProcess({ args: [...ONE_A_MINUTE, '--front-address', FRONT] });
    key = new SoftAuthenticator({ origin: `https://vaultroom.local:${relay.httpsPort}` });
  });

  afterAll(async () => {
    await relay.stop();
    fs.rmSync(relay.dataDir, { recursive: true, force: true });
  });

  it("lets every ceremony from the front's address through", async () => {
    expect((await signUpAdmin(relay, key)).status).toBe(201);
    for (let i = 0; i < 3; i++) {
      const signedIn = await signIn(relay, key);
      expect(signedIn.status, JSON.stringify(signedIn.body)).toBe(200);
    }
  });

  it('still limits any other address per address', async () => {
    expect((await postFrom(relay, OTHER, '/api/sign-in/options')).status).toBe(200);
    const second = await postFrom(relay, OTHER, '/api/sign-in/options');
    expect(second.status).toBe(429);
    expect(second.body.error?.code).toBe('RATE_LIMITED');
    // The front's address goes on.
    expect((await postFrom(relay, FRONT, '/api/sign-in/options')).status).toBe(200);
  });

  it("still refuses an account's sign-ins after a failed one, from the front too", async () => {
    const failed = await signIn(relay, key, { signatureCorrupt: true });
    expect(failed.body.error?.code).toBe('CEREMONY_FAILED');
    const next = await signIn(relay, key);
    expect(next.status).toBe(429);
    expect(next.body.error).toMatchObject({ code: 'RATE_LIMITED' });
    expect(Number(next.headers['retry-after'])).toBeGreaterThan(0);
  });

  it("bounds the front's own allowance at 100 times one address's", async () => {
    // One kept-alive connection through the front could otherwise store challenges as fast as
    // the relay answers. Earlier tests took some of the 100 already.
    let accepted = 0;
    let refused: Awaited<ReturnType<typeof postFrom>> | null = null;
    while (refused === null && accepted <= 100) {
      const answer = await postFrom(relay, FRONT, '/api/sign-in/options');
      if (answer.status === 200) accepted += 1;
      else refused = answer;
    }
    expect(accepted).toBeGreaterThan(80);
    expect(refused?.status).toBe(429);
    expect(refused?.body.error?.code).toBe('RATE_LIMITED');
  });
});

describe('the same relay without --front-address', () => {
  it('answers the second ceremony from that address with 429', async () => {
    const relay = await startRelayProcess({ args: ONE_A_MINUTE });
    try {
      expect((await postFrom(relay, FRONT, '/api/sign-in/options')).status).toBe(200);
      const second = await postFrom(relay, FRONT, '/api/sign-in/options');
      expect(second.status).toBe(429);
      expect(second.body.error?.code).toBe('RATE_LIMITED');
    } finally {
      await relay.stop();
      fs.rmSync(relay.dataDir, { recursive: true, force: true });
    }
  });

  it('refuses a front address that is not one IP address, in one line', async () => {
    const result = await runCli(['serve', '--port', '0', '--http-port', '0'], {
      VAULTROOM_FRONT_ADDRESS: '10.20.0.0/24',
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `vaultroom: VAULTROOM_FRONT_ADDRESS must be the load balancer's IP address, such as 192.168.50.10, got "10.20.0.0/24"\n`,
    );
  });
});
