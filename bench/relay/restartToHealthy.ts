/**
 * How long the built relay takes from spawn to its first `/healthz` 200 on an existing data
 * directory: what every client waits for after a crash. One warm-up start creates the data
 * directory (certificates, database, audit key); then each run spawns `vaultroom serve`, polls
 * `/healthz` every few milliseconds from the moment it listens, and kills it with SIGKILL, as a
 * crash would. Runs alternate between three ways of finding the web app's compressed copies:
 * from the build (`pwa/dist` as `npm run build` leaves it, with its `.br` and `.gz` files); from
 * the relay's cache in the data directory (a copy of `pwa/dist` without those files, which the
 * relay compressed at an earlier start); and, the baseline, compressed at start (the same copy,
 * with that cache removed before each run): what every start did before the build made them.
 * Beside each wall time, the relay's own CPU time up to healthy (from /proc): on shared cores
 * that is the steadier figure.
 *
 *   npm run build && npx tsx bench/relay/restartToHealthy.ts [--runs 9] [--pwa-dir <dir>]
 */
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startRelayProcess } from '../../relay/test/relayProcess.js';
import { median } from '../lib/median.js';
import { processCpuMicros } from '../lib/processStats.js';

function option(name: string): string | undefined {
  const at = process.argv.indexOf(name);
  return at === -1 ? undefined : process.argv[at + 1];
}

const runs = Number(option('--runs') ?? 9);
const pwaDir = option('--pwa-dir') ?? fileURLToPath(new URL('../../pwa/dist', import.meta.url));

function healthz(port: number): Promise<number> {
  return new Promise((resolve) => {
    const req = https.get(
      {
        host: '127.0.0.1',
        port,
        path: '/healthz',
        servername: 'vaultroom.local',
        headers: { host: `vaultroom.local:${port}` },
        rejectUnauthorized: false, // timing only: the certificate is checked by the tests
        agent: false,
      },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on('error', () => {
      resolve(0);
    });
  });
}

/** Spawn → listening → first /healthz 200, in milliseconds; the process is killed after. */
async function startOnce(
  dataDir: string,
  pwa: string,
): Promise<{ listeningMs: number; healthyMs: number; cpuMs: number }> {
  const started = performance.now();
  const relay = await startRelayProcess({ dataDir, args: ['--pwa-dir', pwa], keepLogs: false });
  try {
    const listeningMs = relay.startedInMs;
    while ((await healthz(relay.httpsPort)) !== 200) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const healthyMs = performance.now() - started;
    // The relay's own CPU time to healthy: what the start costs, whatever else shares the cores.
    const cpuMs = processCpuMicros(relay.pid) / 1000;
    return { listeningMs, healthyMs, cpuMs };
  } finally {
    await relay.stop('SIGKILL');
  }
}

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vaultroom-restart-'));
const plainPwa = fs.mkdtempSync(path.join(os.tmpdir(), 'vaultroom-restart-pwa-'));
fs.cpSync(pwaDir, plainPwa, {
  recursive: true,
  filter: (source) => !/\.(br|gz)$/.test(source),
});
const ms = (values: number[]) => values.map((value) => Math.round(value)).join(', ');
const cacheDir = path.join(dataDir, 'pwa-cache');
try {
  await startOnce(dataDir, pwaDir); // creates the data directory: not a restart
  type Start = Awaited<ReturnType<typeof startOnce>>;
  const results = { built: [] as Start[], cached: [] as Start[], atStart: [] as Start[] };
  for (let run = 0; run < runs; run++) {
    results.built.push(await startOnce(dataDir, pwaDir));
    fs.rmSync(cacheDir, { recursive: true, force: true });
    results.atStart.push(await startOnce(dataDir, plainPwa));
    results.cached.push(await startOnce(dataDir, plainPwa));
  }
  for (const [what, starts] of [
    ['copies from the build', results.built],
    ['copies cached in the data directory', results.cached],
    ['compressed at start', results.atStart],
  ] as const) {
    const healthy = starts.map((start) => start.healthyMs);
    const cpu = starts.map((start) => start.cpuMs);
    console.log(
      `restart to healthy, ${what}: median ${Math.round(median(healthy))} ms ` +
        `(${ms(healthy)}); relay CPU median ${Math.round(median(cpu))} ms`,
    );
  }
  const ratio = (starts: Start[]) =>
    median(
      starts.map((start, at) => start.healthyMs / (results.atStart[at]?.healthyMs ?? Number.NaN)),
    ).toFixed(2);
  console.log(
    `median of pairwise ratios to compressed at start: build ${ratio(results.built)}, ` +
      `cache ${ratio(results.cached)}`,
  );
  console.log(
    `load average: ${os
      .loadavg()
      .map((load) => load.toFixed(2))
      .join(' ')}`,
  );
} finally {
  fs.rmSync(dataDir, { recursive: true, force: true });
  fs.rmSync(plainPwa, { recursive: true, force: true });
}
