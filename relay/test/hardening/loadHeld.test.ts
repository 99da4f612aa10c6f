import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { median } from '../../../bench/lib/median.js';
import { processRssKib } from '../../../bench/lib/processStats.js';
import { LoadGenerator } from '../../../bench/relay/LoadGenerator.js';
import { registerDevices } from '../../../bench/relay/registerDevices.js';
import { signUpAccounts } from '../../../bench/relay/signUpAccounts.js';
import type {
  ClientSpec,
  MarkReply,
  RunTally,
  StopReply,
} from '../../../bench/relay/WorkerCommand.js';
import { makeDataDir, startRelayProcess, type RelayProcess } from '../relayProcess.js';
import { minimalPwa } from './minimalPwa.js';

/*
 * Load held: 1,000 signed-in clients, each with a registered device on its own TLS socket, send
 * at a steady open-loop rate for a set time through the whole path (send, durable group commit,
 * push, the recipient's ack and the delete), and nothing is lost, nothing fails, and the relay's
 * memory stays flat once warm. The clients are the relay benchmark's load generator (worker
 * threads, hand-framed sockets), signed up through the relay's real passkey ceremony.
 *
 * VAULTROOM_LOAD_SECONDS sets how long the load lasts: 30 s by default (CI), 600 for the long
 * local run. VAULTROOM_LOAD_RATE sets the offered rate in messages per second for all clients.
 */

function setting(variable: string, fallback: number): number {
  const raw = process.env[variable];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0)
    throw new Error(`${variable} must be a positive whole number, got ${raw}`);
  return value;
}

const CLIENTS = 1000;
const SECONDS = setting('VAULTROOM_LOAD_SECONDS', 30);
if (SECONDS < 15) throw new Error(`VAULTROOM_LOAD_SECONDS must be at least 15, got ${SECONDS}`);
/**
 * 1,000 messages a second in all, one per client per second: about a fifth of what the relay
 * delivers to 1,000 clients on a quiet two-core machine (`relay.msgs_per_s` in BENCHMARKS.md), so
 * CI carries it with margin, and a machine shared with other work slows it without making it
 * fall behind.
 */
const RATE = setting('VAULTROOM_LOAD_RATE', 1000);
/** Generator threads, as in the benchmark: one thread alone would saturate first (DESIGN.md §9). */
const WORKERS = 2;
/**
 * Warm-up, left out of the memory check: V8 grows its heaps, SQLite its page cache and uWS its
 * buffers to what the load needs. A third of a short run, 60 s of a long one.
 */
const WARM_UP_S = Math.min(60, Math.max(5, Math.round(SECONDS / 3)));
const RSS_SAMPLE_MS = 500;
/**
 * "Flat": the median of the last third of the samples after warm-up exceeds the median of the
 * first third by at most this much. Medians, so that a garbage collection caught half-way or a
 * burst of socket buffers does not decide. 24 MiB, because the RSS of a busy Node process moves
 * by ten-odd MiB with no leak at all (V8's heaps resizing, the allocator's arenas, buffers of a
 * relay briefly behind): in a ten-minute run at 1,500 msgs/s on a shared machine the medians
 * differed by 12 MiB, the wrong way for a leak. A leak of one envelope kept per message (200
 * bytes of body and its bookkeeping) passes the bound within a minute and a half at the default
 * rate, so the long run catches it for certain; each run prints the smallest leak it could catch.
 */
const RSS_GROWTH_BOUND_MIB = 24;
/**
 * The relay keeps up: it delivers at least this share of the offered rate between the end of the
 * warm-up and the end of the load. Not all of it, as a stall of a second or two caused by other
 * work on the machine shifts deliveries past the end of the window.
 */
const RATE_SHARE_BOUND = 0.9;
/**
 * Delivery latency, from the time a message was due to be sent to its arrival at the recipient.
 * On a quiet machine p50 is a few milliseconds and p99 a few tens; these bounds are for a relay
 * that falls behind (latency then grows for as long as the load lasts), not for its speed, which
 * the benchmark measures. The two cores here are shared: with other work at a load average of
 * ten, p50 reached 0.4 s and p99 1.8 s with nothing wrong.
 */
const P50_BOUND_MS = 2000;
const P99_BOUND_MS = 10_000;
/**
 * After the load stops, messages still in flight have this long to arrive before they count as
 * lost: a relay slowed by other work catches up well within it (it goes on at its pace whatever
 * the wait), and a message really lost never arrives, however long the wait.
 */
const GRACE_MS = 30_000;
/** Then the last acks must have emptied every mailbox within this long. */
const DRAIN_BOUND_MS = 10_000;
/** Set-up, the load, the waits and the checks, with room for a slow machine. */
const TEST_TIMEOUT_MS = SECONDS * 1000 + GRACE_MS + DRAIN_BOUND_MS + 60_000;

const mib = (kib: number) => (kib / 1024).toFixed(1);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The workers' tallies added up. */
function sumTallies(stops: readonly StopReply[]): RunTally {
  const sum = (key: keyof RunTally) => stops.reduce((n, stop) => n + stop.tally[key], 0);
  return {
    sent: sum('sent'),
    unsent: sum('unsent'),
    sendAcked: sum('sendAcked'),
    delivered: sum('delivered'),
    duplicates: sum('duplicates'),
    misdelivered: sum('misdelivered'),
    acked: sum('acked'),
    closes: sum('closes'),
  };
}

/** p50 and p99 of every worker's latencies (recorded in microseconds), in milliseconds. */
function latencyPercentiles(stops: readonly StopReply[]): { p50: number; p99: number } {
  const all = new Float64Array(stops.reduce((n, stop) => n + stop.latencies.length, 0));
  let offset = 0;
  for (const stop of stops) {
    all.set(stop.latencies, offset);
    offset += stop.latencies.length;
  }
  all.sort();
  const at = (p: number) =>
    (all[Math.min(all.length - 1, Math.floor((all.length * p) / 100))] ?? Number.NaN) / 1000;
  return { p50: at(50), p99: at(99) };
}

interface RssSample {
  /** Seconds since the load started. */
  readonly at: number;
  readonly kib: number;
}

/** The RSS samples after warm-up: medians of their first and last thirds, and how far apart. */
function rssFlatness(samples: readonly RssSample[]) {
  const warm = samples.filter((sample) => sample.at >= WARM_UP_S).map((sample) => sample.kib);
  const third = Math.max(1, Math.floor(warm.length / 3));
  const firstThird = median(warm.slice(0, third));
  const lastThird = median(warm.slice(-third));
  return {
    count: warm.length,
    firstThird,
    lastThird,
    growth: lastThird - firstThird,
    apartSeconds: ((warm.length - third) * RSS_SAMPLE_MS) / 1000,
  };
}

/**
 * Envelopes still stored on the relay, waiting up to `withinMs` for the last acks to be
 * processed: 0 means every envelope was acked by its recipient and deleted.
 */
async function envelopesLeft(relay: RelayProcess, withinMs: number): Promise<number> {
  const db = new Database(path.join(relay.dataDir, 'relay.db'), { readonly: true, timeout: 5000 });
  try {
    const count = db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM envelopes');
    const deadline = performance.now() + withinMs;
    let left = count.get()?.n ?? Number.NaN;
    while (left !== 0 && performance.now() < deadline) {
      await sleep(100);
      left = count.get()?.n ?? Number.NaN;
    }
    return left;
  } finally {
    db.close();
  }
}

describe('load held', { timeout: TEST_TIMEOUT_MS }, () => {
  let relay: RelayProcess;
  let pwaDir: string;
  let generator: LoadGenerator;
  let setupSeconds = 0;
  let signUpSeconds = 0;
  let registrationSeconds = 0;

  beforeAll(async () => {
    const started = performance.now();
    pwaDir = minimalPwa();
    const signUpSettings = {
      VAULTROOM_REGISTRATION: 'open',
      // Every client signs up from 127.0.0.1: the per-address limit on passkey ceremonies is
      // for people, and would hold 1,000 sign-ups to 30 a minute.
      VAULTROOM_AUTH_RATE_PER_MINUTE: '100000',
    };
    /*
     * The accounts are made on a relay whose data directory is in memory (tmpfs); then that
     * relay stops and the one under test starts from a copy on disk. A sign-up is three durable
     * commits, each an fsync of about 4 ms on this disk, made one at a time by the relay's one
     * writer: 1,000 of them on disk took 13 to 16 s of the test's time. Sessions are rows in the
     * database and outlive the restart, as they do for any operator; everything after the
     * sign-up (devices registered, the load) runs on disk, every commit as durable as ever.
     */
    const memoryDir = fs.mkdtempSync(
      path.join(fs.existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir(), 'vaultroom-load-'),
    );
    const signUpRelay = await startRelayProcess({
      dataDir: memoryDir,
      args: ['--pwa-dir', pwaDir],
      env: signUpSettings,
    });
    const cookies = await signUpAccounts(
      { port: signUpRelay.httpsPort, ca: signUpRelay.caPem() },
      CLIENTS,
      'load',
    );
    signUpSeconds = (performance.now() - started) / 1000;
    expect((await signUpRelay.stop()).code).toBe(0);
    const dataDir = makeDataDir();
    fs.cpSync(memoryDir, dataDir, { recursive: true });
    fs.rmSync(memoryDir, { recursive: true, force: true });
    // The relay under load runs with its default settings: every limit as an operator gets it.
    relay = await startRelayProcess({ dataDir, args: ['--pwa-dir', pwaDir] });
    const registrationStarted = performance.now();

    // Clients 2k and 2k+1 write to each other and share a worker, so one clock times each
    // message from its scheduled send to its arrival.
    const workerOf = (index: number) => Math.floor(index / 2) % WORKERS;
    const specs: ClientSpec[] = cookies.map((cookie, index) => ({
      index,
      cookie,
      peer: index ^ 1,
    }));
    generator = new LoadGenerator(WORKERS);
    await generator.all((worker) => ({
      op: 'init',
      ports: { relay: relay.httpsPort, uwsOne: 0, uwsBatched: 0 },
      ca: relay.caPem(),
      origin: `https://vaultroom.local:${relay.httpsPort}`,
      clients: specs.filter((spec) => workerOf(spec.index) === worker),
    }));
    await registerDevices(
      generator,
      specs.map((spec) => spec.index),
      workerOf,
    );
    registrationSeconds = (performance.now() - registrationStarted) / 1000;
    setupSeconds = (performance.now() - started) / 1000;
  }, 120_000);

  afterAll(async () => {
    await generator.close();
    await relay.stop();
    fs.rmSync(relay.dataDir, { recursive: true, force: true });
    fs.rmSync(pwaDir, { recursive: true, force: true });
  });

  it('carries 1,000 signed-in clients at a steady rate: 0 lost, 0 errors, relay memory flat after warm-up', async () => {
    const pid = relay.child.pid ?? 0;
    const rss = { start: processRssKib(pid), warm: 0, end: 0 };
    const samples: RssSample[] = [];
    const loadStarted = performance.now();
    const sampler = setInterval(() => {
      samples.push({ at: (performance.now() - loadStarted) / 1000, kib: processRssKib(pid) });
    }, RSS_SAMPLE_MS);

    await generator.all({
      op: 'run',
      target: 'relay',
      kind: 'open',
      active: CLIENTS,
      window: 0,
      rate: RATE / WORKERS,
    });
    await sleep(WARM_UP_S * 1000);
    // Latencies are recorded from the end of the warm-up to the end of the load.
    const first = await generator.all<MarkReply>({ op: 'mark' });
    rss.warm = processRssKib(pid);
    await sleep(Math.max(0, loadStarted + SECONDS * 1000 - performance.now()));
    const second = await generator.all<MarkReply>({ op: 'mark' });
    const loadSeconds = (performance.now() - loadStarted) / 1000;
    // Stops the senders and waits for every message still in flight.
    const stops = await generator.all<StopReply>({ op: 'stop', graceMs: GRACE_MS });
    clearInterval(sampler);
    rss.end = processRssKib(pid);

    const tally = sumTallies(stops);
    const stuck = stops.reduce((sum, stop) => sum + stop.stuck, 0);
    const errorFrames = stops.reduce((sum, stop) => sum + stop.errors, 0);
    const errorCodes = [...new Set(stops.flatMap((stop) => stop.errorCodes))];
    const stored = await envelopesLeft(relay, DRAIN_BOUND_MS);
    const relayWarnings = relay.logs.filter((record) => Number(record['level']) >= 40);
    const errors = errorFrames + tally.closes + tally.unsent + relayWarnings.length;
    const latency = latencyPercentiles(stops);
    const measured = second.reduce(
      (n, mark, i) => n + mark.delivered - (first[i]?.delivered ?? 0),
      0,
    );
    const measuredSeconds = ((second[0]?.at ?? 0) - (first[0]?.at ?? 0)) / 1000;
    const achieved = measured / measuredSeconds;
    const flat = rssFlatness(samples);
    // The smallest leak per message the bound would catch over the span between the thirds.
    const leakBytes = (RSS_GROWTH_BOUND_MIB * 1024 * 1024) / (RATE * flat.apartSeconds);

    console.log(
      `load held: ${CLIENTS} clients (real accounts and devices), set-up ${setupSeconds.toFixed(1)} s ` +
        `(sign-ups ${signUpSeconds.toFixed(1)} s, devices registered and sockets open ` +
        `${registrationSeconds.toFixed(1)} s); load ${loadSeconds.toFixed(1)} s ` +
        `(VAULTROOM_LOAD_SECONDS=${SECONDS}), warm-up ${WARM_UP_S} s`,
    );
    console.log(
      `load held: messages sent ${tally.sent}, acked to their senders ${tally.sendAcked}, ` +
        `delivered ${tally.delivered}, acked by their recipients ${tally.acked} (bound: all ${tally.sent}); ` +
        `lost ${tally.sent - tally.delivered} (bound 0), ` +
        `still in flight ${GRACE_MS / 1000} s after the load ${stuck} (bound 0), ` +
        `delivered to the wrong client ${tally.misdelivered} (bound 0), ` +
        `left in mailboxes ${stored} (bound 0 within ${DRAIN_BOUND_MS / 1000} s); ` +
        `duplicates ${tally.duplicates} (redeliveries, recognised by message id; reported, not bounded)`,
    );
    console.log(
      `load held: after warm-up, ${measured} messages delivered in ${measuredSeconds.toFixed(1)} s: ` +
        `${achieved.toFixed(0)} msgs/s of ${RATE} offered ` +
        `(bound ≥ ${(RATE * RATE_SHARE_BOUND).toFixed(0)}); send→deliver latency ` +
        `p50 ${latency.p50.toFixed(1)} ms (bound ${P50_BOUND_MS} ms), ` +
        `p99 ${latency.p99.toFixed(1)} ms (bound ${P99_BOUND_MS} ms)`,
    );
    console.log(
      `load held: errors ${errors} (bound 0): error frames ${errorFrames}` +
        `${errorCodes.length > 0 ? ` (${errorCodes.join(', ')})` : ''}, ` +
        `sockets closed by the relay ${tally.closes}, sends due on a closed socket ${tally.unsent}, ` +
        `relay log records at warn or above ${relayWarnings.length}`,
    );
    console.log(
      `load held: relay RSS ${mib(rss.start)} MiB at start, ${mib(rss.warm)} MiB after warm-up, ` +
        `${mib(rss.end)} MiB at the end; medians of the first and last thirds after warm-up ` +
        `${mib(flat.firstThird)} and ${mib(flat.lastThird)} MiB, ${flat.apartSeconds.toFixed(0)} s ` +
        `apart: growth ${mib(flat.growth)} MiB (bound ${RSS_GROWTH_BOUND_MIB} MiB, which a leak of ` +
        `${leakBytes.toFixed(0)} bytes per message would exceed; ${flat.count} samples)`,
    );
    for (const record of relayWarnings.slice(0, 5)) console.log(JSON.stringify(record));

    expect(tally.sent).toBeGreaterThan(0);
    expect(tally.sent - tally.delivered, 'lost').toBe(0);
    expect(stuck, 'never completed').toBe(0);
    expect(tally.misdelivered, 'delivered to the wrong client').toBe(0);
    expect(tally.sendAcked, 'acked to their senders').toBe(tally.sent);
    // Recipients ack every envelope pushed to them, duplicates included.
    expect(tally.acked, 'acked by their recipients').toBe(
      tally.delivered + tally.duplicates + tally.misdelivered,
    );
    expect(stored, 'left in mailboxes').toBe(0);
    expect(errors, `errors ${errorCodes.join(', ')}`).toBe(0);
    expect(achieved, 'achieved rate').toBeGreaterThanOrEqual(RATE * RATE_SHARE_BOUND);
    expect(latency.p50, 'p50 ms').toBeLessThanOrEqual(P50_BOUND_MS);
    expect(latency.p99, 'p99 ms').toBeLessThanOrEqual(P99_BOUND_MS);
    expect(flat.count, 'RSS samples after warm-up').toBeGreaterThanOrEqual(6);
    expect(flat.growth / 1024, 'RSS growth MiB').toBeLessThanOrEqual(RSS_GROWTH_BOUND_MIB);
  });
});
