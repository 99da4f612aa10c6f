import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { makeDataDir, runCli, startRelayProcess, type RelayProcess } from '../relayProcess.js';

/*
 * Anyone who reaches the relay can be refused without signing in: a wrong Origin, a rate limit, a
 * socket upgrade without a session. Each used to be one durable audit event, so a flood filled
 * the disk and buried real events. Refusals are now counted: per event type, client tag and
 * minute, at most the first refusal and one count of the rest; at most 20 clients a minute get
 * events of their own, all others one count per event type.
 */
const REFUSALS = 10_000;
const REFUSAL_TYPES = ['origin_refused', 'ratelimit_exceeded', 'session_upgrade_refused'];
const KEYS_PER_MINUTE = 20;
/** Events a refusal flood may add per minute it spans, from one client and from many. */
const ONE_CLIENT_BOUND = 2 * REFUSAL_TYPES.length;
const MANY_CLIENTS_BOUND = 2 * KEYS_PER_MINUTE + REFUSAL_TYPES.length;

interface Answer {
  readonly status: number;
}

/** One request from a given loopback source address, over a keep-alive agent. */
function request(
  relay: RelayProcess,
  agent: https.Agent,
  localAddress: string,
  kind: 'origin' | 'rate' | 'upgrade',
): Promise<Answer> {
  const appOrigin = `https://vaultroom.local:${relay.httpsPort}`;
  const headers: Record<string, string> = { host: `vaultroom.local:${relay.httpsPort}` };
  let method = 'POST';
  let urlPath = '/api/sign-in/options';
  const body = '{}';
  if (kind === 'origin') {
    headers['origin'] = 'https://evil.example';
  } else if (kind === 'rate') {
    headers['origin'] = appOrigin;
  } else {
    // A socket upgrade from the app's origin without a session cookie.
    method = 'GET';
    urlPath = '/ws';
    headers['origin'] = appOrigin;
    headers['connection'] = 'Upgrade';
    headers['upgrade'] = 'websocket';
    headers['sec-websocket-version'] = '13';
    headers['sec-websocket-key'] = 'dGhlIHNhbXBsZSBub25jZQ==';
  }
  if (method === 'POST') {
    headers['content-type'] = 'application/json';
    headers['content-length'] = String(body.length);
  }
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: '127.0.0.1',
        port: relay.httpsPort,
        localAddress,
        path: urlPath,
        method,
        ca: relay.caPem(),
        servername: 'vaultroom.local',
        headers,
        agent,
      },
      (res) => {
        res.resume();
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0 });
        });
      },
    );
    req.setTimeout(10_000, () => req.destroy(new Error(`no answer to ${kind}`)));
    req.on('error', reject);
    if (method === 'POST') req.write(body);
    req.end();
  });
}

/**
 * Sends `total` requests spread over `addresses`, `perAddress` at a time from each: every
 * twentieth a socket upgrade, the others alternately a wrong Origin and a passkey ceremony past
 * its rate limit. Returns how many were refused and over how many clock minutes.
 */
async function flood(
  relay: RelayProcess,
  addresses: readonly string[],
  total: number,
  perAddress: number,
): Promise<{ refused: number; minutes: number }> {
  const agent = new https.Agent({ keepAlive: true, maxSockets: perAddress });
  const started = Date.now();
  let next = 0;
  let refused = 0;
  const worker = async (address: string) => {
    for (;;) {
      const i = next++;
      if (i >= total) return;
      const kind = i % 20 === 19 ? 'upgrade' : i % 2 === 0 ? 'origin' : 'rate';
      const { status } = await request(relay, agent, address, kind);
      if (status === 403 || status === 429 || status === 401) refused += 1;
      else expect(status, `${kind} from ${address}`).toBe(200);
    }
  };
  try {
    await Promise.all(
      addresses.flatMap((address) => Array.from({ length: perAddress }, () => worker(address))),
    );
  } finally {
    agent.destroy();
  }
  const minutes = Math.floor(Date.now() / 60_000) - Math.floor(started / 60_000) + 1;
  return { refused, minutes };
}

/** The refusal events after `afterSeq`, read while the relay is stopped. */
function refusalEvents(dataDir: string, afterSeq: number) {
  const db = new Database(path.join(dataDir, 'relay.db'), { readonly: true });
  try {
    const rows = db
      .prepare('SELECT seq, type, client, details FROM audit_events WHERE seq > ? ORDER BY seq')
      .all(afterSeq) as { seq: number; type: string; client: string | null; details: string }[];
    const last = db.prepare('SELECT max(seq) AS seq FROM audit_events').get() as { seq: number };
    const refusals = rows.filter((row) => REFUSAL_TYPES.includes(row.type));
    return {
      lastSeq: last.seq,
      events: refusals.length,
      counted: refusals.reduce(
        (sum, row) => sum + (JSON.parse(row.details) as { count: number }).count,
        0,
      ),
    };
  } finally {
    db.close();
  }
}

describe('a flood of refusals against a real relay', () => {
  const dataDir = makeDataDir();
  afterAll(() => {
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('counts 10,000 refusals from one address and from 100 addresses in a few events, and the log still verifies', async () => {
    // One passkey ceremony a minute per address: every later one is refused with 429.
    const args = ['--auth-rate-per-minute', '1'];
    const measured: Record<string, unknown> = {};

    let relay = await startRelayProcess({ dataDir, args });
    await relay.stop();
    let seq = refusalEvents(dataDir, 0).lastSeq;

    relay = await startRelayProcess({ dataDir, args });
    const one = await flood(relay, ['127.0.0.1'], REFUSALS, 16);
    expect((await relay.stop()).code).toBe(0);
    const fromOne = refusalEvents(dataDir, seq);
    seq = fromOne.lastSeq;
    measured['one address'] = { ...one, events: fromOne.events };
    expect(one.refused).toBeGreaterThanOrEqual(REFUSALS - 1);
    expect(fromOne.events).toBeLessThanOrEqual(ONE_CLIENT_BOUND * one.minutes);
    expect(fromOne.counted).toBe(one.refused);

    relay = await startRelayProcess({ dataDir, args });
    const addresses = Array.from({ length: 100 }, (_, i) => `127.0.0.${String(i + 2)}`);
    const many = await flood(relay, addresses, REFUSALS, 1);
    expect((await relay.stop()).code).toBe(0);
    const fromMany = refusalEvents(dataDir, seq);
    measured['100 addresses'] = { ...many, events: fromMany.events };
    expect(many.refused).toBeGreaterThanOrEqual(REFUSALS - 100);
    expect(fromMany.events).toBeLessThanOrEqual(MANY_CLIENTS_BOUND * many.minutes);
    expect(fromMany.counted).toBe(many.refused);

    const verify = await runCli(['audit', 'verify', '--data-dir', dataDir]);
    expect(verify.code, verify.stderr).toBe(0);
    console.log('refusal flood', JSON.stringify(measured));
  }, 120_000);
});
