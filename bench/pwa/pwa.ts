/**
 * PWA benchmark: the built PWA as the real relay serves it over TLS (brotli or gzip, its own CSP
 * and cache headers), loaded in headless Debian Chromium with the relay's CA trusted (never with
 * certificate errors ignored: that would switch off the service worker under test).
 *
 *   npx tsx --conditions=source bench/pwa/pwa.ts [--smoke] [--json <file>]
 *
 * Each round is a fresh browser profile: a cold load of the sign-in page (the page a new visitor
 * sees), then, once the service worker is active, a second load that it serves. Measured through
 * the page's DevTools session: bytes on the wire (headers plus the body as sent, from the Network
 * domain's encodedDataLength), the JavaScript fetched and the part of it V8 ran (precise block
 * coverage), and "sign-in interactive" (see measureLoad.ts). There is no static-page baseline in
 * the same relay process without changing the relay, so the cached load is reported as a ratio
 * to the cold one of the same round. Lighthouse 12 then scores the same page, mobile (its
 * default emulation) and desktop, on a browser launched the same way; it fetches nothing but the
 * page. `--smoke` runs one round and a single accessibility audit, in seconds.
 *
 * Needs relay/dist (`tsc -b`) and pwa/dist (`npm run build -w @vaultroom/pwa`); pwa/dist is
 * copied first, so a rebuild during the run cannot change what is measured.
 */
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { benchArgs } from '../lib/benchArgs.js';
import type { Figure } from '../lib/Figure.js';
import { median } from '../lib/median.js';
import { reportFigures } from '../lib/reportFigures.js';
import { startRelayProcess } from '../../relay/test/relayProcess.js';
import { launchChromium } from './launchChromium.js';
import { measureLoad, QUIET_MS, type LoadMeasurement, type Transfer } from './measureLoad.js';
import type { Category, FormFactor, LighthouseResult } from './runLighthouse.js';

// Lighthouse is a large module graph (seconds to load): it loads while the relay starts.
const loadingLighthouse = import('./runLighthouse.js');
const args = benchArgs();
const SMOKE = args.smoke;
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const ROUNDS = SMOKE ? 1 : 5;
const LIGHTHOUSE_RUNS = SMOKE ? 1 : 3;
const FIRST_LOAD_GOAL_KB = 250;

const started = performance.now();
const log = (line: string) => {
  process.stderr.write(
    `${((performance.now() - started) / 1000).toFixed(1).padStart(6)}  ${line}\n`,
  );
};
const round = (value: number, digits = 1) => Math.round(value * 10 ** digits) / 10 ** digits;
const kb = (bytes: number) => bytes / 1000;
const sum = (transfers: readonly Transfer[], pick: (t: Transfer) => number = (t) => t.encoded) =>
  transfers.reduce((total, t) => total + pick(t), 0);
const isScript = (t: Transfer) => t.type.toLowerCase() === 'script';
const isSodium = (t: Transfer) => t.url.includes('/assets/libsodium');
const judged = (met: boolean) => (SMOKE ? {} : { met });
const smokeNote = SMOKE ? ' (smoke run: checks the harness, measures nothing)' : '';

// ---- the relay, serving a snapshot of the built PWA --------------------------------------------

const cli = path.join(ROOT, 'relay/dist/cli.js');
const builtPwa = path.join(ROOT, 'pwa/dist');
for (const [file, build] of [
  [cli, 'npx tsc -b'],
  [path.join(builtPwa, 'index.html'), 'npm run build -w @vaultroom/pwa'],
] as const) {
  if (!fs.existsSync(file)) throw new Error(`${file} is missing: run \`${build}\` first`);
}
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'vaultroom-bench-pwa-'));
const pwaDir = path.join(work, 'pwa');
fs.cpSync(builtPwa, pwaDir, { recursive: true });
const dataDir = path.join(work, 'data');
fs.mkdirSync(dataDir);
const relay = await startRelayProcess({ dataDir, args: ['--pwa-dir', pwaDir], keepLogs: false });
const caPem = relay.caPem();
const url = `https://vaultroom.local:${String(relay.httpsPort)}/sign-in`;
const problems: string[] = [];
// Loaded before any page is measured, so that it takes no CPU from the loads being timed.
await loadingLighthouse;
log(`relay serving a copy of pwa/dist at ${url}`);

/** The body of `href` as the relay sends it to Chromium (brotli when it has a brotli copy). */
function encodedBodyBytes(href: string): Promise<number> {
  const target = new URL(href);
  return new Promise((resolve, reject) => {
    const request = https.get(
      {
        host: '127.0.0.1',
        servername: target.hostname,
        port: target.port,
        path: target.pathname,
        ca: caPem,
        headers: { host: target.host, 'accept-encoding': 'gzip, deflate, br, zstd' },
      },
      (response) => {
        let bytes = 0;
        response.on('data', (chunk: Buffer) => (bytes += chunk.length));
        response.on('end', () => {
          if (response.statusCode === 200) resolve(bytes);
          else reject(new Error(`${href}: ${String(response.statusCode)}`));
        });
      },
    );
    request.on('error', reject);
  });
}

async function shutdown(): Promise<void> {
  await relay.stop('SIGTERM', 10_000);
  fs.rmSync(work, { recursive: true, force: true });
}

// ---- page loads: cold, then from the service worker, in a fresh profile per round ---------------

interface Round {
  readonly cold: LoadMeasurement;
  readonly cached: LoadMeasurement;
}

async function measureRound(): Promise<Round> {
  const browserProcess = await launchChromium(caPem);
  try {
    const browser = await chromium.connectOverCDP(browserProcess.endpoint);
    const context = browser.contexts()[0];
    if (context === undefined) throw new Error('Chromium has no default context');
    const cold = await measureLoad(context, url, { waitForWorker: true });
    const cached = await measureLoad(context, url);
    await browser.close();
    return { cold, cached };
  } finally {
    await browserProcess.close();
  }
}

const rounds: Round[] = [];
let workerScriptBody = 0;
try {
  for (let i = 0; i < ROUNDS; i++) {
    const r = await measureRound();
    rounds.push(r);
    log(
      `round ${i + 1}: cold ${round(kb(sum(r.cold.transfers)))} kB, interactive ${round(r.cold.interactiveMs)} ms; from the service worker ${round(kb(sum(r.cached.transfers)))} kB on the wire, interactive ${round(r.cached.interactiveMs)} ms`,
    );
    if (!r.cached.controlled)
      problems.push(`round ${i + 1}: no service worker controlled the second load`);
    const shell = r.cached.transfers.filter((t) => t.type === 'Document' || isScript(t));
    if (shell.some((t) => !t.fromServiceWorker)) {
      problems.push(`round ${i + 1}: the second load fetched its shell from the network`);
    }
  }
  // DevTools reports the headers of the worker's own script but not its body (the browser process
  // fetches it, not the page or the worker): that body is counted as the relay sends it.
  const script = rounds[0]?.cold.workerScript ?? null;
  workerScriptBody = script === null ? 0 : await encodedBodyBytes(script);
} catch (error) {
  await shutdown();
  throw error;
}

// ---- Lighthouse ---------------------------------------------------------------------------------

interface LighthouseRuns {
  readonly formFactor: FormFactor;
  readonly runs: readonly LighthouseResult[];
}

/** Lighthouse sometimes fails to find the navigation in its trace (NO_NAVSTART): try again. */
async function lighthouseOnce(port: number, formFactor: FormFactor): Promise<LighthouseResult> {
  for (let attempt = 1; ; attempt++) {
    try {
      const { runLighthouse } = await loadingLighthouse;
      return await runLighthouse(
        url,
        port,
        formFactor,
        SMOKE ? { categories: ['accessibility'], quick: true } : {},
      );
    } catch (error) {
      if (attempt === 3) throw error;
      log(`Lighthouse ${formFactor}, attempt ${attempt}: ${String(error)}; trying again`);
    }
  }
}

const lighthouse: LighthouseRuns[] = [];
try {
  const browserProcess = await launchChromium(caPem);
  try {
    for (const formFactor of SMOKE ? (['desktop'] as const) : (['mobile', 'desktop'] as const)) {
      const runs: LighthouseResult[] = [];
      for (let i = 0; i < LIGHTHOUSE_RUNS; i++) {
        const result = await lighthouseOnce(browserProcess.port, formFactor);
        runs.push(result);
        const scores = Object.entries(result.scores).map(([name, score]) => `${name} ${score}`);
        const lost = [...new Set(Object.values(result.failed).flat())];
        log(
          `Lighthouse ${formFactor} ${i + 1}: ${scores.join(', ')}${lost.length > 0 ? `; lost points: ${lost.join(', ')}` : ''}`,
        );
      }
      lighthouse.push({ formFactor, runs });
    }
  } finally {
    await browserProcess.close();
  }
} finally {
  await shutdown();
}

// ---- figures ------------------------------------------------------------------------------------

const figures: Figure[] = [];
const colds = rounds.map((r) => r.cold);
const cacheds = rounds.map((r) => r.cached);
const first = colds[0];
if (first === undefined) throw new Error('no round ran');

const firstLoad = median(colds.map((m) => kb(sum(m.transfers))));
const precache = median(colds.map((m) => kb(sum(m.workerTransfers))));
const sodiumOnPage = colds.some((m) => m.transfers.some(isSodium));
const sodiumPrecached = first.workerTransfers.filter(isSodium);
const describe = (transfers: readonly Transfer[]) =>
  transfers
    .map(
      (t) =>
        `${new URL(t.url).pathname} ${round(kb(t.encoded))}${t.encoding === '' ? '' : ` ${t.encoding}`}`,
    )
    .join(', ');
figures.push({
  name: 'pwa.first_load_kb',
  value: round(firstLoad),
  unit: 'kB',
  goal: `<= ${FIRST_LOAD_GOAL_KB}`,
  ...judged(firstLoad <= FIRST_LOAD_GOAL_KB),
  note: `median of ${ROUNDS} cold loads of /sign-in, headers + bodies as sent (1 kB = 1000 B), everything the page fetched until it was interactive and its network quiet for ${QUIET_MS} ms: ${describe(first.transfers)}. libsodium ${sodiumOnPage ? 'IS' : 'is not'} loaded by the first screen (it loads on first use)${smokeNote}`,
});
const firstVisit = median(
  colds.map((m) => kb(sum(m.transfers) + sum(m.workerTransfers) + workerScriptBody)),
);
figures.push({
  name: 'pwa.first_visit_with_precache_kb',
  value: round(firstVisit),
  unit: 'kB',
  goal: `<= ${FIRST_LOAD_GOAL_KB}`,
  ...judged(firstVisit <= FIRST_LOAD_GOAL_KB),
  note: `the first load plus what the service worker precaches right after it (${round(precache + kb(workerScriptBody))} kB with ${round(kb(workerScriptBody))} kB for the body of ${first.workerScript === null ? 'no worker script' : new URL(first.workerScript).pathname}, libsodium ${sodiumPrecached.length > 0 ? 'included' : 'not among it'}: ${describe(first.workerTransfers)}): every byte a first visit costs, libsodium included${smokeNote}`,
});
const jsDecoded = median(colds.map((m) => kb(sum(m.transfers.filter(isScript), (t) => t.decoded))));
const jsEncoded = median(colds.map((m) => kb(sum(m.transfers.filter(isScript)))));
figures.push({
  name: 'pwa.first_load_js_kb',
  value: round(jsDecoded),
  unit: 'kB',
  note: `JavaScript the first screen fetches, uncompressed (${round(jsEncoded)} kB on the wire)${smokeNote}`,
});
const executed = median(colds.map((m) => kb(m.executedBytes)));
figures.push({
  name: 'pwa.first_load_js_executed_kb',
  value: round(executed),
  unit: 'kB',
  baseline: 'pwa.first_load_js_parsed_kb',
  baseline_value: round(median(colds.map((m) => kb(m.scriptBytes)))),
  ratio: round(median(colds.map((m) => m.executedBytes / m.scriptBytes)), 2),
  note: `bytes of the page's scripts inside functions and blocks V8 ran at least once until interactive (precise block coverage), beside all bytes of those scripts${smokeNote}`,
});
const coldTti = median(colds.map((m) => m.interactiveMs));
figures.push({
  name: 'pwa.tti_cold_ms',
  value: round(coldTti, 0),
  unit: 'ms',
  note: `"sign-in interactive": from navigation start until the sign-in button is laid out and the main thread has then had no long task (>= 50 ms) for ${QUIET_MS} ms (the later of the two moments); fresh profile, no cache, TLS handshake included; median of ${ROUNDS}; button visible at ${round(median(colds.map((m) => m.buttonVisibleMs)), 0)} ms${smokeNote}`,
});
figures.push({
  name: 'pwa.tti_sw_cached_ms',
  value: round(median(cacheds.map((m) => m.interactiveMs)), 0),
  unit: 'ms',
  baseline: 'pwa.tti_cold_ms',
  baseline_value: round(coldTti, 0),
  ratio: round(median(rounds.map((r) => r.cached.interactiveMs / r.cold.interactiveMs)), 2),
  note: `the same measure on a second load served by the active service worker (${round(median(cacheds.map((m) => kb(sum(m.transfers)))))} kB still on the wire: the API calls); ratio to the cold load of the same round, since no baseline page can be served by the same relay without changing it${smokeNote}`,
});

const CATEGORY_GOALS: Partial<Record<Category, number>> = { performance: 95, accessibility: 100 };
for (const { formFactor, runs } of lighthouse) {
  const categories = Object.keys(runs[0]?.scores ?? {}) as Category[];
  for (const category of categories) {
    const score = median(runs.map((r) => r.scores[category]));
    const goal = CATEGORY_GOALS[category];
    const lost = [
      ...new Set(runs.flatMap((r) => r.failed[category].map((id) => id.split(' ')[0]))),
    ];
    const metrics =
      category === 'performance'
        ? `; median FCP ${round(median(runs.map((r) => r.metrics['first-contentful-paint'] ?? NaN)), 0)} ms, LCP ${round(median(runs.map((r) => r.metrics['largest-contentful-paint'] ?? NaN)), 0)} ms, TBT ${round(median(runs.map((r) => r.metrics['total-blocking-time'] ?? NaN)), 0)} ms, CLS ${round(median(runs.map((r) => r.metrics['cumulative-layout-shift'] ?? NaN)), 3)}, Lighthouse TTI ${round(median(runs.map((r) => r.metrics['interactive'] ?? NaN)), 0)} ms`
        : '';
    figures.push({
      name: `pwa.lighthouse_${category.replace('-', '_')}_${formFactor}`,
      value: score,
      unit: 'score',
      ...(goal === undefined ? {} : { goal: `>= ${goal}`, ...judged(score >= goal) }),
      note: `Lighthouse ${runs[0]?.lighthouseVersion ?? ''} ${formFactor} (${formFactor === 'mobile' ? 'its default: simulated slow 4G, 4x CPU slowdown' : 'its desktop config'}), /sign-in, median of ${runs.length} (${runs.map((r) => r.scores[category]).join(', ')})${lost.length > 0 ? `; points lost on: ${lost.join(', ')}` : ''}${metrics}${smokeNote}`,
    });
  }
}

reportFigures(figures, args.json);
if (problems.length > 0) {
  for (const problem of problems) console.error(`problem: ${problem}`);
  process.exitCode = 1;
}
