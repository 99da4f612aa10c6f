import fs from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import path from 'node:path';
import tls from 'node:tls';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiClient } from '../apiClient.js';
import { DeviceSocket, signUp } from '../deviceSocket.js';
import { startRelayProcess, type RelayProcess } from '../relayProcess.js';
import { minimalPwa } from './minimalPwa.js';
import { rawRequest } from './rawRequest.js';

/*
 * Clients that hold connections open without finishing anything. uWS gives every HTTP connection
 * (from accept, through the TLS handshake and the request, and between keep-alive requests) a
 * 10-second idle timeout, checked every 4 seconds, and closes a body that arrives slower than
 * 16 KiB/s; the relay adds its own deadline to the session check of a socket upgrade. So every
 * such connection must be closed within CLOSE_BOUND_MS, while a signed-in user goes on working.
 */
const CLOSE_BOUND_MS = 15_000;
/**
 * A normal user's round-trip during the attack (a socket ping, then an API request): the median
 * stays near its usual few milliseconds; the worst, met while thousands of connections arrive
 * at once on a shared two-core machine, stays under two seconds.
 */
const RTT_MEDIAN_BOUND_MS = 200;
const RTT_MAX_BOUND_MS = 2000;
const IDLE_TCP_SOCKETS = 2000;
const IDLE_TLS_SOCKETS = 100;

interface Attack {
  readonly name: string;
  readonly closedAfterMs: Promise<number>;
}

/** When the relay closes a socket, measured from `started`; never resolves if it stays open. */
function closedAfter(socket: net.Socket, started: number): Promise<number> {
  socket.on('data', () => undefined); // keep reading, or a close would go unnoticed
  socket.on('error', () => undefined);
  return new Promise((resolve) => {
    socket.once('close', () => {
      resolve(Date.now() - started);
    });
  });
}

/** Writes `text` a piece at a time, once a second, until the socket closes. */
function dribble(socket: net.Socket, pieces: () => string): void {
  const timer = setInterval(() => {
    if (socket.destroyed) clearInterval(timer);
    else socket.write(pieces());
  }, 1000);
  socket.once('close', () => {
    clearInterval(timer);
  });
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? 0;
}

const openFds = (pid: number | undefined) => fs.readdirSync(`/proc/${String(pid)}/fd`).length;

describe('hostile clients against a real relay', () => {
  let relay: RelayProcess;
  let alice: ApiClient;
  let pwaDir: string;

  beforeAll(async () => {
    pwaDir = minimalPwa();
    relay = await startRelayProcess({ args: ['--pwa-dir', pwaDir] });
    alice = await signUp(relay, relay.adminInvite() ?? '', 'alice');
  });

  afterAll(async () => {
    await relay.stop();
    fs.rmSync(relay.dataDir, { recursive: true, force: true });
    fs.rmSync(pwaDir, { recursive: true, force: true });
  });

  it('closes stalled handshakes, slow headers and bodies, unfinished upgrades and idle sockets within their bound while a user keeps working', async () => {
    const port = relay.httpsPort;
    const ca = relay.caPem();
    const tlsOptions = { host: '127.0.0.1', port, ca, servername: 'vaultroom.local' };
    const host = `vaultroom.local:${port}`;

    // The normal user: an open device socket and a keep-alive API client.
    const user = await DeviceSocket.open(relay, alice.cookie);
    expect((await user.hello(null)).t).toBe('welcome');
    const agent = new https.Agent({ keepAlive: true, maxSockets: 1 });
    const roundTrips: number[] = [];
    let userFailures = 0;
    const measure = async () => {
      const started = performance.now();
      const pong = await user.request({ t: 'ping', id: user.id() });
      const api = await rawRequest(relay, agent, {
        method: 'GET',
        path: '/api/me',
        headers: { cookie: alice.cookie },
      });
      if (pong.t !== 'done' || api.status !== 200) userFailures += 1;
      roundTrips.push(performance.now() - started);
    };
    for (let i = 0; i < 5; i++) await measure();
    const baseline = [...roundTrips].sort((a, b) => a - b);
    roundTrips.length = 0;
    const fdsBefore = openFds(relay.child.pid);

    const started = Date.now();
    const attacks: Attack[] = [];
    const attack = (name: string, socket: net.Socket) => {
      attacks.push({ name, closedAfterMs: closedAfter(socket, started) });
    };

    // Slowloris: a request whose headers never end, one more header line a second.
    const slowloris = tls.connect(tlsOptions, () => {
      slowloris.write(`GET / HTTP/1.1\r\nHost: ${host}\r\n`);
      let n = 0;
      dribble(slowloris, () => `X-Padding-${n++}: a\r\n`);
    });
    attack('slowloris headers', slowloris);

    // A TLS handshake that stalls: a TCP connection that never says hello, and half a ClientHello.
    attack('TLS handshake never started', net.connect(port, '127.0.0.1'));
    const halfHello = net.connect(port, '127.0.0.1', () => {
      halfHello.write(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03]));
    });
    attack('TLS ClientHello cut short', halfHello);

    // A body sent one byte a second to an API endpoint that waits for all of it.
    const slowBody = tls.connect(tlsOptions, () => {
      slowBody.write(
        `POST /api/sign-in/options HTTP/1.1\r\nHost: ${host}\r\nOrigin: https://${host}\r\n` +
          `Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{`,
      );
      dribble(slowBody, () => ' ');
    });
    attack('body sent slowly', slowBody);

    // A WebSocket upgrade whose request never ends, signed in and all.
    const upgrade = tls.connect(tlsOptions, () => {
      upgrade.write(
        `GET /ws HTTP/1.1\r\nHost: ${host}\r\nOrigin: https://${host}\r\nCookie: ${alice.cookie}\r\n` +
          `Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n`,
      );
    });
    attack('WebSocket upgrade never completed', upgrade);

    // A keep-alive connection left idle after one answered request.
    const keptAlive = tls.connect(tlsOptions, () => {
      keptAlive.write(`GET /healthz HTTP/1.1\r\nHost: ${host}\r\n\r\n`);
    });
    attack('keep-alive idle after a request', keptAlive);

    // Thousands of idle sockets from one address: bare TCP, and TLS with no request.
    const idle: Promise<number>[] = [];
    for (let i = 0; i < IDLE_TCP_SOCKETS; i++) {
      idle.push(closedAfter(net.connect(port, '127.0.0.1'), started));
      if (i % 200 === 199) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    for (let i = 0; i < IDLE_TLS_SOCKETS; i++) {
      idle.push(closedAfter(tls.connect(tlsOptions), started));
    }

    // Measure the user while the attack lasts, until every hostile socket is closed.
    const everything = Promise.all([...attacks.map((a) => a.closedAfterMs), ...idle]);
    const state = { over: false };
    void everything.then(() => {
      state.over = true;
    });
    let fdsPeak = fdsBefore;
    while (!state.over && Date.now() - started < CLOSE_BOUND_MS + 5000) {
      await measure();
      fdsPeak = Math.max(fdsPeak, openFds(relay.child.pid));
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const closedInMs = await Promise.race([
      everything,
      new Promise<null>((resolve) => setTimeout(resolve, 1000, null)),
    ]);
    expect(closedInMs, 'some hostile sockets were still open').not.toBeNull();

    for (const { name, closedAfterMs } of attacks) {
      const ms = await closedAfterMs;
      console.log(`hostile client "${name}": closed after ${ms} ms (bound ${CLOSE_BOUND_MS} ms)`);
      expect(ms, name).toBeLessThanOrEqual(CLOSE_BOUND_MS);
    }
    const idleTimes = (await Promise.all(idle)).sort((a, b) => a - b);
    console.log(
      `hostile client "${IDLE_TCP_SOCKETS} idle TCP + ${IDLE_TLS_SOCKETS} idle TLS sockets from ` +
        `127.0.0.1": all closed, the last after ${idleTimes.at(-1)} ms (bound ${CLOSE_BOUND_MS} ms); ` +
        `relay file descriptors ${fdsBefore} before, ${fdsPeak} at peak, ${openFds(relay.child.pid)} after`,
    );
    expect(idleTimes.at(-1)).toBeLessThanOrEqual(CLOSE_BOUND_MS);

    const sorted = [...roundTrips].sort((a, b) => a - b);
    console.log(
      `normal user during the attack: ${sorted.length} round-trips (socket ping + GET /api/me), ` +
        `p50 ${percentile(sorted, 50).toFixed(1)} ms ` +
        `(bound ${RTT_MEDIAN_BOUND_MS} ms), max ${(sorted.at(-1) ?? 0).toFixed(1)} ms ` +
        `(bound ${RTT_MAX_BOUND_MS} ms; before the attack ` +
        `p50 ${percentile(baseline, 50).toFixed(1)} ms), failures ${userFailures} (bound 0)`,
    );
    expect(sorted.length).toBeGreaterThan(10);
    expect(userFailures).toBe(0);
    expect(percentile(sorted, 50)).toBeLessThan(RTT_MEDIAN_BOUND_MS);
    expect(sorted.at(-1)).toBeLessThan(RTT_MAX_BOUND_MS);
    agent.destroy();
    user.close();
  }, 60_000);

  it('closes a socket with 1008 when its session expires while it is open', async () => {
    const socket = await DeviceSocket.open(relay, alice.cookie);
    expect((await socket.hello(null)).t).toBe('welcome');
    // Time travel in the database: the session reaches its absolute expiry now.
    const db = new Database(path.join(relay.dataDir, 'relay.db'), { timeout: 5000 });
    const session = alice.cookie.split('=')[1] ?? '';
    const expiredAt = Date.now();
    const changed = db
      .prepare('UPDATE sessions SET absolute_expires_at = ? WHERE ended_at IS NULL')
      .run(expiredAt - 1).changes;
    expect(changed).toBeGreaterThan(0);
    const code = await socket.closed;
    const ms = Date.now() - expiredAt;
    console.log(`expired session: socket closed with ${code} after ${ms} ms (bound 6000 ms)`);
    expect(code).toBe(1008);
    expect(ms).toBeLessThanOrEqual(6000);
    const events = db
      .prepare("SELECT COUNT(*) AS n FROM audit_events WHERE type = 'session_expired'")
      .get() as { n: number };
    db.close();
    expect(events.n).toBeGreaterThan(0);
    // The cookie no longer opens anything.
    const me = await alice.request('GET', '/api/me');
    expect(me.body.error?.code).toBe('UNAUTHENTICATED');
    expect(session).not.toBe('');
  });
});
