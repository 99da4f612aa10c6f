/**
 * Relay benchmark: the real relay (relay/dist, as an operator runs it) beside a bare uWS TLS
 * relay that only forwards bytes (one send per message, and batched per socket per loop turn)
 * and beside a raw better-sqlite3 store-and-forward loop, all in this run, interleaved
 * (A B A B …) because this machine's speed drifts (DESIGN.md §9). Every server is its own
 * process and is measured by its own CPU time (/proc) and memory; the load generator is worker
 * threads in this process, and reports its CPU too, so a saturated generator shows.
 *
 *   npx tsx --conditions=source bench/relay/relay.ts [--smoke] [--json <file>]
 *
 * Clients are real accounts (passkey sign-up with the software authenticator, open registration)
 * with real devices, on TLS sockets with the session cookie, speaking the wire protocol: every
 * message goes through decode and validation, durable group commit, push, the recipient's ack
 * and the delete. Limits are raised through the relay's settings, never by patching it.
 * BENCH_RELAY_CPU_PROF=<dir> runs the relay under `node --cpu-prof` for a profile of the run.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateIdentityKeyPair } from '@vaultroom/shared/crypto';
import * as hdr from 'hdr-histogram-js';
import sodium from 'libsodium-wrappers';
import { benchArgs } from '../lib/benchArgs.js';
import type { Figure } from '../lib/Figure.js';
import { median } from '../lib/median.js';
import { reportFigures } from '../lib/reportFigures.js';
import { processCpuMicros, processRssKib } from '../lib/processStats.js';
import { spawnServer, type Server } from '../lib/spawnServer.js';
import { LoadGenerator } from './LoadGenerator.js';
import { signUpAccounts } from './signUpAccounts.js';
import type {
  Backlog,
  ClientSpec,
  Identity,
  MarkReply,
  StopReply,
  Target,
} from './WorkerCommand.js';

const args = benchArgs();
const SMOKE = args.smoke;
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Everything the run's size depends on; the smoke run only checks that each step works. */
const SIZE = SMOKE
  ? {
      clients: 40,
      small: 10,
      senders: 2,
      rounds: 1,
      warmMs: 100,
      measureMs: 300,
      settleMs: 300,
      rates: [400],
      openRounds: 1,
      idleWaitMs: 3000,
      idle: 100,
      idleRounds: 1,
      sfSenders: 10,
      sfRecipients: 2,
      sfPerSender: 10,
      stormBacklog: 3,
    }
  : {
      clients: 1000,
      small: 100,
      senders: 10,
      rounds: 3,
      warmMs: 700,
      measureMs: 3000,
      settleMs: 2000,
      // A rate the relay sustains here, for its percentiles; and the goal's rate.
      rates: [1000, 20_000],
      openRounds: 2,
      idleWaitMs: 45_000,
      idle: 10_000,
      idleRounds: 1,
      sfSenders: 100,
      sfRecipients: 10,
      sfPerSender: 100,
      stormBacklog: 20,
    };
/** Messages in flight in a closed loop, whatever the client count: 1,000 (10 × 100, 1 × 1,000). */
const IN_FLIGHT = SMOKE ? 40 : 1000;
const WORKERS = 2;
const GOAL_RATE = 20_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const started = performance.now();
/** Progress on standard error, each line stamped with seconds since start (to match a profile). */
const log = (line: string) => {
  process.stderr.write(
    `${((performance.now() - started) / 1000).toFixed(1).padStart(6)}  ${line}\n`,
  );
};
const round = (value: number, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits;

// ---- servers ----------------------------------------------------------------------------------

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vaultroom-bench-relay-'));
// The app itself is not on the measured path: a one-page stand-in keeps the relay's start (which
// compresses every asset) short and the run independent of whatever pwa/dist holds.
const pwaDir = path.join(dataDir, 'pwa');
fs.mkdirSync(pwaDir);
fs.writeFileSync(path.join(pwaDir, 'index.html'), '<!doctype html><title>bench</title>');
const profileDir = process.env['BENCH_RELAY_CPU_PROF'];
const relay = await spawnServer(
  [
    process.execPath,
    ...(profileDir === undefined ? [] : ['--cpu-prof', '--cpu-prof-dir', profileDir]),
    path.join(ROOT, 'relay/dist/cli.js'),
    'serve',
    '--port',
    '0',
    '--http-port',
    '0',
    '--data-dir',
    dataDir,
    '--pwa-dir',
    pwaDir,
  ],
  {
    env: {
      VAULTROOM_REGISTRATION: 'open',
      VAULTROOM_AUTH_RATE_PER_MINUTE: '100000',
      VAULTROOM_MAX_CONNECTIONS_PER_ACCOUNT: '64',
      VAULTROOM_SEND_RATE_PER_SECOND: '1000000',
      VAULTROOM_LOG_LEVEL: 'info',
    },
    ready: (line) => line['msg'] === 'relay listening',
  },
);
const relayPort = Number(relay.ready['httpsPort']);
const ca = fs.readFileSync(path.join(dataDir, 'tls', 'ca.pem'), 'utf8');

const bare = async (mode: 'one' | 'batched'): Promise<Server> =>
  spawnServer(
    [
      process.execPath,
      '--import',
      'tsx',
      path.join(ROOT, 'bench/relay/bareRelay.ts'),
      '--mode',
      mode,
      '--cert',
      path.join(dataDir, 'tls', 'server.pem'),
      '--key',
      path.join(dataDir, 'tls', 'server-key.pem'),
    ],
    { ready: (line) => typeof line['port'] === 'number' },
  );
const uwsOne = await bare('one');
const uwsBatched = await bare('batched');
const servers: Record<Target, Server> = { relay, uwsOne, uwsBatched };
const generator = new LoadGenerator(WORKERS);

async function shutdown(): Promise<void> {
  await generator.close();
  await Promise.all([relay.stop(), uwsOne.stop(), uwsBatched.stop()]);
  fs.rmSync(dataDir, { recursive: true, force: true });
}

// ---- set-up: accounts, devices, sockets --------------------------------------------------------

const setupStarted = performance.now();
const cookies = await signUpAccounts({ port: relayPort, ca }, SIZE.clients + SIZE.senders, 'bench');
await sodium.ready;
// Clients 2k and 2k+1 are peers and share worker k % WORKERS; backlog senders follow them.
const workerOf = (index: number) =>
  index < SIZE.clients ? Math.floor(index / 2) % WORKERS : index % WORKERS;
const specs: ClientSpec[] = cookies.map((cookie, index) => ({
  index,
  cookie,
  peer: index < SIZE.clients ? index ^ 1 : -1,
}));
const byWorker = (indexes: readonly number[]) => (worker: number) =>
  indexes.filter((index) => workerOf(index) === worker);
const allIndexes = specs.map((spec) => spec.index);
const clientIndexes = allIndexes.filter((index) => index < SIZE.clients);

await generator.all((worker) => ({
  op: 'init',
  ports: {
    relay: relayPort,
    uwsOne: Number(uwsOne.ready['port']),
    uwsBatched: Number(uwsBatched.ready['port']),
  },
  ca,
  origin: `https://vaultroom.local:${relayPort}`,
  clients: specs.filter((spec) => workerOf(spec.index) === worker),
}));
const identities: Identity[] = allIndexes.map((index) => {
  const keys = generateIdentityKeyPair(sodium);
  return {
    index,
    signingPublicKey: keys.signingPublicKey,
    dhPublicKey: keys.dhPublicKey,
    dhSignature: keys.dhSignature,
  };
});
const registered = await generator.all<Record<number, string>>((worker) => ({
  op: 'connectRelay',
  indexes: byWorker(allIndexes)(worker),
  identities: identities.filter((identity) => workerOf(identity.index) === worker),
}));
const devices: Record<number, string> = Object.assign({}, ...registered) as Record<number, string>;
await generator.all({ op: 'setDevices', devices });
await generator.all({ op: 'connectBare', target: 'uwsOne' });
await generator.all({ op: 'connectBare', target: 'uwsBatched' });
log(
  `set-up (relay pid ${relay.pid}, bare uWS pids ${uwsOne.pid} and ${uwsBatched.pid}): ${specs.length} accounts with a device each, ${clientIndexes.length} clients on 3 servers, ${round((performance.now() - setupStarted) / 1000, 1)} s`,
);

// ---- measuring ----------------------------------------------------------------------------------

interface Sample {
  readonly msgsPerS: number;
  readonly cpuUsPerMsg: number;
  /** Cores the server used during the window. */
  readonly serverCores: number;
  /** Cores the generator (this whole process) used during the window. */
  readonly generatorCores: number;
  readonly latencies: Float64Array;
  readonly stuck: number;
  readonly errors: readonly string[];
}

async function measure(
  target: Target,
  kind: 'closed' | 'open',
  active: number,
  load: number,
): Promise<Sample> {
  await generator.all({
    op: 'run',
    target,
    kind,
    active,
    window: kind === 'closed' ? load : 0,
    rate: kind === 'open' ? load / WORKERS : 0,
  });
  await sleep(SIZE.warmMs);
  const pid = servers[target].pid;
  const first = await generator.all<MarkReply>({ op: 'mark' });
  const cpu0 = processCpuMicros(pid);
  const gen0 = process.cpuUsage();
  const t0 = performance.now();
  await sleep(SIZE.measureMs);
  const second = await generator.all<MarkReply>({ op: 'mark' });
  const cpu1 = processCpuMicros(pid);
  const gen = process.cpuUsage(gen0);
  const seconds = (performance.now() - t0) / 1000;
  const stops = await generator.all<StopReply>({ op: 'stop' });
  const delivered = second.reduce((sum, m, i) => sum + m.delivered - (first[i]?.delivered ?? 0), 0);
  const latencies = new Float64Array(stops.reduce((n, s) => n + s.latencies.length, 0));
  let offset = 0;
  for (const stop of stops) {
    latencies.set(stop.latencies, offset);
    offset += stop.latencies.length;
  }
  return {
    msgsPerS: delivered / seconds,
    cpuUsPerMsg: delivered === 0 ? Number.NaN : (cpu1 - cpu0) / delivered,
    serverCores: (cpu1 - cpu0) / 1e6 / seconds,
    generatorCores: (gen.user + gen.system) / 1e6 / seconds,
    latencies,
    stuck: stops.reduce((n, s) => n + s.stuck, 0),
    errors: [...new Set(stops.flatMap((s) => s.errorCodes))],
  };
}

/**
 * Waits until a server has worked off what it still had queued (it used under 5% of a core for
 * half a second), so a phase that overloaded it does not bill its backlog to the next one.
 */
async function waitIdle(target: Target): Promise<void> {
  const pid = servers[target].pid;
  const deadline = performance.now() + SIZE.idleWaitMs;
  let last = processCpuMicros(pid);
  while (performance.now() < deadline) {
    await sleep(500);
    const now = processCpuMicros(pid);
    if (now - last < 25_000) return;
    last = now;
  }
  log(`  (${target} still busy after ${SIZE.idleWaitMs / 1000} s; going on)`);
}

function percentiles(latencies: Float64Array): { p50: number; p99: number; p999: number } {
  // No message of the window arrived in it (a server buried under its backlog): no percentiles.
  if (latencies.length === 0) return { p50: Number.NaN, p99: Number.NaN, p999: Number.NaN };
  const histogram = hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 120_000_000,
    numberOfSignificantValueDigits: 3,
  });
  for (const value of latencies) histogram.recordValue(Math.max(1, Math.round(value)));
  const ms = (p: number) => histogram.getValueAtPercentile(p) / 1000;
  const result = { p50: ms(50), p99: ms(99), p999: ms(99.9) };
  histogram.destroy();
  return result;
}

function describe(label: string, s: Sample): void {
  log(
    `  ${label.padEnd(34)} ${Math.round(s.msgsPerS).toString().padStart(7)} msgs/s  ${round(s.cpuUsPerMsg).toString().padStart(6)} µs CPU/msg  server ${round(s.serverCores)} cores  generator ${round(s.generatorCores)} cores${s.stuck > 0 ? `  STUCK ${s.stuck}` : ''}${s.errors.length > 0 ? `  errors ${s.errors.join(',')}` : ''}`,
  );
}

const figures: Figure[] = [];
const smokeNote = SMOKE ? 'smoke run: checks the harness, measures nothing' : undefined;
function figure(f: Figure): void {
  if (smokeNote === undefined) {
    figures.push(f);
    return;
  }
  // A smoke run judges no goal.
  const unjudged: { -readonly [K in keyof Figure]: Figure[K] } = { ...f, note: smokeNote };
  delete unjudged.met;
  figures.push(unjudged);
}
const problems: string[] = [];
const check = (label: string, s: Sample) => {
  if (s.stuck > 0) problems.push(`${label}: ${s.stuck} messages never completed`);
  if (s.errors.length > 0) problems.push(`${label}: errors ${s.errors.join(', ')}`);
};

// 1. Memory per idle authenticated connection (first, while every heap is still small).
{
  log(`idle connections: ${SIZE.idle} per server, ${SIZE.idleRounds} interleaved rounds`);
  const relayKib: number[] = [];
  const uwsKib: number[] = [];
  for (let r = 0; r < SIZE.idleRounds; r++) {
    for (const target of ['relay', 'uwsBatched'] as const) {
      const pid = servers[target].pid;
      await sleep(SIZE.settleMs / 2);
      const before = processRssKib(pid);
      const opened = performance.now();
      await generator.all({ op: 'openIdle', target, count: SIZE.idle / WORKERS });
      const openSeconds = (performance.now() - opened) / 1000;
      await sleep(SIZE.settleMs);
      const after = processRssKib(pid);
      const kib = (after - before) / SIZE.idle;
      (target === 'relay' ? relayKib : uwsKib).push(kib);
      log(
        `  ${target.padEnd(10)} +${after - before} KiB RSS for ${SIZE.idle} sockets: ${round(kib)} KiB each (opened in ${round(openSeconds, 1)} s)`,
      );
      await generator.all({ op: 'closeIdle' });
    }
  }
  const ratios = relayKib.map((kib, i) => kib / (uwsKib[i] ?? Number.NaN));
  const ratio = median(ratios);
  figure({
    name: 'relay.kib_per_idle_conn',
    value: round(median(relayKib)),
    unit: 'KiB',
    baseline: 'uws.kib_per_idle_conn',
    baseline_value: round(median(uwsKib)),
    ratio: round(ratio),
    goal: '<= 1.5',
    met: ratio <= 1.5,
    note: `RSS growth over ${SIZE.idle} idle TLS sockets (session cookie checked, hello answered)`,
  });
}

// 2. Throughput, closed loop: relay, bare uWS batched, bare uWS one send per message.
for (const clients of [SIZE.small, SIZE.clients]) {
  const window = Math.max(1, Math.round(IN_FLIGHT / clients));
  log(`closed loop, ${clients} clients × ${window} in flight, ${SIZE.rounds} interleaved rounds`);
  const samples: Record<Target, Sample[]> = { relay: [], uwsBatched: [], uwsOne: [] };
  for (let r = 0; r < SIZE.rounds; r++) {
    for (const target of ['relay', 'uwsBatched', 'uwsOne'] as const) {
      const s = await measure(target, 'closed', clients, window);
      samples[target].push(s);
      describe(`${target} round ${r + 1}`, s);
      check(`${target} closed ${clients}`, s);
    }
  }
  const suffix = clients === SIZE.clients ? '' : `_${SIZE.small}_clients`;
  const cpu = samples.relay.map((s) => s.cpuUsPerMsg);
  const cpuBase = samples.uwsBatched.map((s) => s.cpuUsPerMsg);
  const cpuRatio = median(cpu.map((v, i) => v / (cpuBase[i] ?? Number.NaN)));
  const gen = median(samples.relay.map((s) => s.generatorCores));
  figure({
    name: `relay.cpu_us_per_msg${suffix}`,
    value: round(median(cpu)),
    unit: 'us',
    baseline: 'uws.cpu_us_per_msg',
    baseline_value: round(median(cpuBase)),
    ratio: round(cpuRatio),
    goal: '<= 3',
    met: cpuRatio <= 3,
    note: `relay CPU per delivered message, ${clients} clients, closed loop; generator ${round(gen)} cores`,
  });
  const rate = samples.relay.map((s) => s.msgsPerS);
  const rateBase = samples.uwsBatched.map((s) => s.msgsPerS);
  figure({
    name: `relay.msgs_per_s${suffix}`,
    value: Math.round(median(rate)),
    unit: 'msgs/s',
    baseline: 'uws.msgs_per_s',
    baseline_value: Math.round(median(rateBase)),
    ratio: round(median(rate.map((v, i) => v / (rateBase[i] ?? Number.NaN)))),
    note: `delivered, ${clients} clients, closed loop (shares 2 cores with the generator)`,
  });
  const one = samples.uwsOne.map((s) => s.cpuUsPerMsg);
  figure({
    name: `uws.cpu_us_per_msg_unbatched${suffix}`,
    value: round(median(one)),
    unit: 'us',
    baseline: 'uws.cpu_us_per_msg',
    baseline_value: round(median(cpuBase)),
    ratio: round(median(one.map((v, i) => v / (cpuBase[i] ?? Number.NaN)))),
    note: 'the bare relay sending each message with its own call, against batching per loop turn',
  });
}

// 3. Latency, open loop at fixed offered rates, 1,000 clients: relay against bare uWS batched.
for (const rate of SIZE.rates) {
  log(
    `open loop at ${rate} msgs/s, ${SIZE.clients} clients, ${SIZE.openRounds} interleaved rounds`,
  );
  const samples: Record<'relay' | 'uwsBatched', Sample[]> = { relay: [], uwsBatched: [] };
  for (let r = 0; r < SIZE.openRounds; r++) {
    for (const target of ['relay', 'uwsBatched'] as const) {
      const s = await measure(target, 'open', SIZE.clients, rate);
      await waitIdle(target);
      samples[target].push(s);
      const p = percentiles(s.latencies);
      describe(`${target} round ${r + 1}`, s);
      log(`    p50 ${round(p.p50)} ms  p99 ${round(p.p99)} ms  p99.9 ${round(p.p999)} ms`);
      // Past its capacity a server falls behind and messages are still in flight at the end:
      // that is the measurement (the rate reached says so), not a fault of the harness.
      if (s.errors.length > 0)
        problems.push(`${target} open ${rate}: errors ${s.errors.join(', ')}`);
    }
  }
  const relayP = samples.relay.map((s) => percentiles(s.latencies));
  const uwsP = samples.uwsBatched.map((s) => percentiles(s.latencies));
  const reached = median(samples.relay.map((s) => s.msgsPerS));
  const reachedNote =
    reached < rate * 0.95
      ? `; the relay reached only ${Math.round(reached)} msgs/s of the ${rate} offered`
      : `; the relay delivered ${Math.round(reached)} msgs/s`;
  const gen = median(samples.relay.map((s) => s.generatorCores));
  const stuck = Math.max(...samples.relay.map((s) => s.stuck));
  const stuckNote =
    stuck > 0 ? `; ${stuck} messages still undelivered 8 s after the load stopped` : '';
  const tag = rate === GOAL_RATE ? '20k' : `${rate / 1000}k`;
  for (const [key, label] of [
    ['p50', 'p50'],
    ['p99', 'p99'],
    ['p999', 'p99_9'],
  ] as const) {
    const values = relayP.map((p) => p[key]);
    const base = uwsP.map((p) => p[key]);
    const ratio = median(values.map((v, i) => v / (base[i] ?? Number.NaN)));
    const isGoal = rate === GOAL_RATE && key === 'p99';
    figure({
      name: isGoal ? 'relay.p99_vs_uws_at_20k' : `relay.latency_${label}_at_${tag}`,
      value: round(median(values), 3),
      unit: 'ms',
      baseline: `uws.latency_${label}_at_${tag}`,
      baseline_value: round(median(base), 3),
      ratio: round(ratio),
      ...(isGoal ? { goal: '<= 2', met: ratio <= 2 && reached >= rate * 0.95 } : {}),
      note: `delivery latency, ${SIZE.clients} clients, open loop at ${rate} msgs/s offered${reachedNote}${stuckNote}; generator ${round(gen)} cores`,
    });
  }
}

// 4. Store and forward: offline recipients; relay against a raw better-sqlite3 loop.
{
  const senders = clientIndexes.slice(0, SIZE.sfSenders);
  const recipients = clientIndexes.slice(SIZE.sfSenders, SIZE.sfSenders + SIZE.sfRecipients);
  const total = SIZE.sfSenders * SIZE.sfPerSender;
  log(
    `store and forward: ${senders.length} senders → ${recipients.length} offline devices, ${total} envelopes, ${SIZE.rounds} interleaved rounds`,
  );
  const relayRates: number[] = [];
  const sqliteRates: number[] = [];
  for (let r = 0; r < SIZE.rounds; r++) {
    await waitIdle('relay');
    await generator.all((w) => ({ op: 'disconnect', indexes: byWorker(recipients)(w) }));
    const backlogs: Backlog[] = senders.map((sender, i) => ({
      sender,
      recipients: [devices[recipients[i % recipients.length] ?? -1] ?? ''],
      perRecipient: SIZE.sfPerSender,
      fanout: 1,
      window: 1,
    }));
    const cpu0 = processCpuMicros(relay.pid);
    const t0 = performance.now();
    await generator.all((w) => ({
      op: 'backlog',
      backlogs: backlogs.filter((b) => workerOf(b.sender) === w),
    }));
    const enqueueMs = performance.now() - t0;
    const cpu1 = processCpuMicros(relay.pid);
    await generator.all((w) => ({
      op: 'connectRelay',
      indexes: byWorker(recipients)(w),
      hello: false,
    }));
    const cpu2 = processCpuMicros(relay.pid);
    const t2 = performance.now();
    const received = await generator.all<number>((w) => ({
      op: 'drain',
      indexes: byWorker(recipients)(w),
      connect: false,
    }));
    const drainMs = performance.now() - t2;
    const cpu3 = processCpuMicros(relay.pid);
    const got = received.reduce((a, b) => a + b, 0);
    if (got !== total) problems.push(`store and forward: drained ${got} of ${total}`);
    const relayRate = total / ((enqueueMs + drainMs) / 1000);
    relayRates.push(relayRate);
    log(
      `  relay   round ${r + 1}: ${Math.round(relayRate)} cycles/s (enqueue ${Math.round(enqueueMs)} ms, drain+ack+delete ${Math.round(drainMs)} ms, ${round((cpu1 - cpu0 + cpu3 - cpu2) / total)} µs CPU/msg)`,
    );

    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vaultroom-bench-sqlite-'));
    const loop = await spawnServer(
      [
        process.execPath,
        '--import',
        'tsx',
        path.join(ROOT, 'bench/relay/sqliteLoop.ts'),
        '--dir',
        dir,
        '--recipients',
        String(SIZE.sfRecipients),
        '--per-recipient',
        String(total / SIZE.sfRecipients),
        '--batch',
        '100',
      ],
      { ready: (line) => typeof line['messages'] === 'number', timeoutMs: 120_000 },
    );
    await loop.stop();
    fs.rmSync(dir, { recursive: true, force: true });
    const sqliteRate = Number(loop.ready['messages']) / Number(loop.ready['seconds']);
    sqliteRates.push(sqliteRate);
    log(
      `  sqlite  round ${r + 1}: ${Math.round(sqliteRate)} cycles/s (${round(Number(loop.ready['cpuMicros']) / total)} µs CPU/msg)`,
    );
  }
  const ratio = median(relayRates.map((v, i) => v / (sqliteRates[i] ?? Number.NaN)));
  figure({
    name: 'relay.store_forward_vs_sqlite',
    value: Math.round(median(relayRates)),
    unit: 'cycles/s',
    baseline: 'sqlite.store_forward_cycles_per_s',
    baseline_value: Math.round(median(sqliteRates)),
    ratio: round(ratio),
    goal: '>= 0.5',
    met: ratio >= 0.5,
    note: `durable enqueue, drain, ack, delete of ${total} envelopes for ${SIZE.sfRecipients} offline devices; the loop in batches of 100, FULL sync`,
  });
}

// 5. Reconnect storm: every client offline with a backlog, then all reconnect at once.
{
  const backlogPer = SIZE.stormBacklog;
  await generator.all((w) => ({ op: 'disconnect', indexes: byWorker(clientIndexes)(w) }));
  const senders = allIndexes.filter((index) => index >= SIZE.clients);
  const share = Math.ceil(clientIndexes.length / senders.length);
  const backlogs: Backlog[] = senders.map((sender, i) => ({
    sender,
    recipients: clientIndexes
      .slice(i * share, (i + 1) * share)
      .map((index) => devices[index] ?? ''),
    perRecipient: backlogPer,
    fanout: 100,
    window: 2,
  }));
  await generator.all((w) => ({
    op: 'backlog',
    backlogs: backlogs.filter((b) => workerOf(b.sender) === w),
  }));
  await waitIdle('relay');
  const cpu0 = processCpuMicros(relay.pid);
  const gen0 = process.cpuUsage();
  const t0 = performance.now();
  const received = await generator.all<number>((w) => ({
    op: 'drain',
    indexes: byWorker(clientIndexes)(w),
    connect: true,
  }));
  const seconds = (performance.now() - t0) / 1000;
  const cpu = (processCpuMicros(relay.pid) - cpu0) / 1e6;
  const gen = process.cpuUsage(gen0);
  const got = received.reduce((a, b) => a + b, 0);
  const total = clientIndexes.length * backlogPer;
  if (got !== total) problems.push(`reconnect storm: drained ${got} of ${total}`);
  log(
    `reconnect storm: ${clientIndexes.length} clients × ${backlogPer} envelopes, every queue empty after ${round(seconds)} s (relay ${round(cpu)} s CPU, generator ${round((gen.user + gen.system) / 1e6)} s CPU)`,
  );
  figure({
    name: 'relay.reconnect_storm_s',
    value: round(seconds),
    unit: 's',
    note: `${clientIndexes.length} clients reconnect at once (TLS, session, hello) with ${backlogPer} envelopes each; time until every queue reported empty and every ack was processed; relay ${round(cpu)} s CPU`,
  });
}

await shutdown();

reportFigures(figures, args.json);
if (problems.length > 0) {
  for (const problem of problems) console.error(`problem: ${problem}`);
  process.exitCode = 1;
}
