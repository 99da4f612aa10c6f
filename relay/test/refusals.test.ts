import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import type { PublicKeyCredentialCreationOptionsJSON } from '@simplewebauthn/server';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from './apiClient.js';
import { startRelayProcess, type RelayProcess } from './relayProcess.js';
import { SoftAuthenticator } from './softAuthenticator.js';

const CHROME_LINUX =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

function readDb<T>(relay: RelayProcess, sql: string): T[] {
  const db = new Database(path.join(relay.dataDir, 'relay.db'), { readonly: true });
  try {
    return db.prepare(sql).all() as T[];
  } finally {
    db.close();
  }
}

/** A request with exactly these headers, from the relay's own machine. */
function send(
  relay: RelayProcess,
  request: { method: string; path: string; servername: string; headers: Record<string, string> },
  body?: string,
): Promise<{ status: number; headers: Record<string, unknown>; text: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: '127.0.0.1',
        port: relay.httpsPort,
        path: request.path,
        method: request.method,
        ca: relay.caPem(),
        servername: request.servername,
        headers: request.headers,
        agent: false,
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
    req.on('error', reject);
    req.end(body);
  });
}

describe('requests the relay refuses, and what it keeps of them', () => {
  let relay: RelayProcess;

  beforeAll(async () => {
    relay = await startRelayProcess();
  });

  afterAll(async () => {
    await relay.stop();
    fs.rmSync(relay.dataDir, { recursive: true, force: true });
  });

  it('records the browser family of a refused request, never its User-Agent header', async () => {
    const client = new ApiClient(relay);
    const result = await client.request(
      'POST',
      '/api/sign-out',
      {},
      { origin: 'https://evil.example', userAgent: `${CHROME_LINUX} Café/1.0 canary-7f3a` },
    );
    expect(result.status).toBe(403);
    const refused = () =>
      readDb<{ user_agent: string | null }>(
        relay,
        "SELECT user_agent FROM audit_events WHERE type = 'origin_refused'",
      );
    await expect.poll(() => refused().length).toBe(1);
    expect(refused()[0]?.user_agent).toBe('Chrome on Linux');
    const everything = JSON.stringify(readDb(relay, 'SELECT * FROM audit_events'));
    expect(everything).not.toContain('canary-7f3a');
  });

  it('refuses a socket upgrade for a host name it does not serve, as it refuses a page or an API call', async () => {
    const origin = `https://vaultroom.local:${relay.httpsPort}`;
    const host = `attacker.example:${relay.httpsPort}`;
    const upgrade = await send(relay, {
      method: 'GET',
      path: '/ws',
      servername: 'vaultroom.local',
      headers: {
        host,
        origin,
        connection: 'Upgrade',
        upgrade: 'websocket',
        'sec-websocket-version': '13',
        'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
      },
    });
    const page = await send(relay, {
      method: 'GET',
      path: '/healthz',
      servername: 'vaultroom.local',
      headers: { host },
    });
    const api = await send(
      relay,
      {
        method: 'POST',
        path: '/api/sign-in/options',
        servername: 'vaultroom.local',
        headers: { host, origin, 'content-type': 'application/json' },
      },
      '{}',
    );
    for (const answer of [upgrade, page, api]) {
      expect(answer.status).toBe(421);
      expect(answer.text).toBe('This relay does not serve that host name\n');
      expect(answer.headers['strict-transport-security']).toBeDefined();
    }
    // Like the other routes, a misdirected upgrade leaves no trace in the audit log.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(
      readDb(relay, "SELECT seq FROM audit_events WHERE type = 'session_upgrade_refused'"),
    ).toEqual([]);
  });

  it('reads the User-Agent header as UTF-8', async () => {
    const userAgent = `${CHROME_LINUX} Café/1.0`;
    const client = new ApiClient(relay);
    const key = new SoftAuthenticator({ origin: client.origin });
    const invite = new URL(relay.adminInvite() ?? '').hash.replace('#invite=', '');
    const begin = await client.request(
      'POST',
      '/api/registration/options',
      { invite, handle: 'zoe', displayName: 'Zoé' },
      { userAgent },
    );
    const done = await client.request(
      'POST',
      '/api/registration/verify',
      {
        ceremonyId: begin.body['ceremonyId'],
        response: key.register(begin.body['options'] as PublicKeyCredentialCreationOptionsJSON),
      },
      { userAgent },
    );
    expect(done.status).toBe(201);
    const sessions = readDb<{ user_agent: string }>(relay, 'SELECT user_agent FROM sessions');
    expect(sessions.map((row) => row.user_agent)).toEqual([userAgent]);
  });
});

describe('localhost as an origin of the app', () => {
  /** A passkey ceremony started by a browser at https://localhost on the relay's port. */
  async function fromLocalhost(args: string[]) {
    const relay = await startRelayProcess({ args });
    try {
      const origin = `https://localhost:${relay.httpsPort}`;
      const answer = await send(
        relay,
        {
          method: 'POST',
          path: '/api/sign-in/options',
          servername: 'localhost',
          headers: {
            host: `localhost:${relay.httpsPort}`,
            origin,
            'content-type': 'application/json',
          },
        },
        '{}',
      );
      const body = JSON.parse(answer.text) as {
        options?: { rpId?: string };
        error?: { code: string };
      };
      return { status: answer.status, code: body.error?.code, rpId: body.options?.rpId };
    } finally {
      await relay.stop();
      fs.rmSync(relay.dataDir, { recursive: true, force: true });
    }
  }

  it('is refused on a relay named vaultroom.local unless the operator allows it', async () => {
    expect(await fromLocalhost([])).toMatchObject({ status: 403, code: 'ORIGIN_REFUSED' });
    expect(await fromLocalhost(['--allow-localhost'])).toMatchObject({
      status: 200,
      rpId: 'localhost',
    });
  });

  it('is allowed when the relay is itself named localhost', async () => {
    expect(await fromLocalhost(['--hostname', 'vaultroom.localhost'])).toMatchObject({
      status: 200,
      rpId: 'localhost',
    });
  });
});
