/**
 * Several relays: the cost of a delivered message on one relay on SQLite (the default), one on
 * PostgreSQL, and two and three relays on PostgreSQL with NATS between them, in this run.
 *
 *   npx tsx --conditions=source bench/relay/cluster.ts [--smoke] [--json <file>]
 *   (BENCH_CLUSTER_ONLY=<set-up name> runs one set-up alone)
 *
 * Each set-up runs the same closed loop: pairs of real accounts (passkey sign-up, registered
 * devices, the wire protocol over TLS) each keep messages in flight to the other. With several
 * relays the two of a pair are on different relays, so every message crosses: it is committed to
 * PostgreSQL by the sender's relay, which wakes the recipient's relay over NATS, which reads it
 * from the mailbox and pushes it. CPU is every server process's own accounting (/proc): the
 * relays, PostgreSQL's postmaster and backends, nats-server. On a machine of two cores shared
 * with the load generator the figure to read is CPU per message, not throughput (BENCHMARKS.md).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Figure } from '../lib/Figure.js';
import { median } from '../lib/median.js';
import { processCpuMicros } from '../lib/processStats.js';
import { findProcess, processTreeCpuMicros } from '../lib/processTreeCpu.js';
import { reportFigures } from '../lib/reportFigures.js';
import {
  makeDataDir,
  startRelayProcess,
  type RelayProcess,
} from '../../relay/test/relayProcess.js';
import { startNats, type NatsServer } from '../../relay/test/services/natsServer.js';
import { startPostgres, type PostgresServer } from '../../relay/test/services/postgresServer.js';
import { LoadGenerator } from './LoadGenerator.js';
import { registerDevices } from './registerDevices.js';
import { log, round, sleep } from './progressLog.js';
import { SMOKE, WORKERS, args } from './runSettings.js';
import { signUpAccounts } from './signUpAccounts.js';
import type { ClientSpec, MarkReply, StopReply } from './WorkerCommand.js';

const SIZE = SMOKE
  ? { pairs: 10, window: 2, rounds: 1, warmMs: 200, measureMs: 500 }
  : { pairs: 100, window: 2, rounds: 3, warmMs: 1000, measureMs: 4000 };
/** The address every relay answers as, as behind a load balancer (its port, not theirs). */
const PUBLIC_PORT = 443;
const ORIGIN = 'https://vaultroom.local';

interface SetUp {
  readonly name: string;
  readonly relays: number;
  readonly engine: 'sqlite' | 'postgres';
}
const SETUPS: readonly SetUp[] = [
  { name: 'sqlite_1', relays: 1, engine: 'sqlite' },
  { name: 'postgres_1', relays: 1, engine: 'postgres' },
  { name: 'postgres_nats_2', relays: 2, engine: 'postgres' },
  { name: 'postgres_nats_3', relays: 3, engine: 'postgres' },
];

interface Running {
  readonly relays: RelayProcess[];
  readonly postgres: PostgresServer | null;
  readonly nats: NatsServer | null;
  /** CPU (µs) so far of the relays, of PostgreSQL and of NATS. */
  cpu(): { relays: number; postgres: number; nats: number };
  stop(): Promise<void>;
}

async function start(setUp: SetUp, pwaDir: string): Promise<Running> {
  const postgres = setUp.engine === 'postgres' ? await startPostgres() : null;
  const nats = setUp.relays > 1 ? await startNats() : null;
  const env: Record<string, string> = {
    VAULTROOM_REGISTRATION: 'open',
    VAULTROOM_AUTH_RATE_PER_MINUTE: '100000',
    VAULTROOM_SEND_RATE_PER_SECOND: '1000000',
    VAULTROOM_PUBLIC_PORT: String(PUBLIC_PORT),
    ...(postgres === null ? {} : { VAULTROOM_DATABASE_URL: postgres.url }),
    ...(nats === null ? {} : { VAULTROOM_NATS_URL: nats.url }),
  };
  const launch = (dataDir: string) =>
    startRelayProcess({ dataDir, env, args: ['--pwa-dir', pwaDir], keepLogs: false });
  // The first relay migrates and makes the certificate and the audit log key the others use, as
  // an operator copies them (ops/README).
  const first = await launch(makeDataDir());
  const others: RelayProcess[] = [];
  for (let i = 1; i < setUp.relays; i++) {
    const dataDir = makeDataDir();
    for (const shared of ['tls', 'audit']) {
      fs.cpSync(path.join(first.dataDir, shared), path.join(dataDir, shared), { recursive: true });
    }
    others.push(await launch(dataDir));
  }
  const relays = [first, ...others];
  const postmaster =
    postgres === null
      ? null
      : Number(
          fs.readFileSync(path.join(postgres.dataDir, 'postmaster.pid'), 'utf8').split('\n')[0],
        );
  const natsPid = nats === null ? null : findProcess(['nats-server', String(nats.port)]);
  return {
    relays,
    postgres,
    nats,
    cpu: () => ({
      relays: relays.reduce((sum, relay) => sum + processCpuMicros(relay.pid), 0),
      postgres: postmaster === null ? 0 : processTreeCpuMicros(postmaster),
      nats: natsPid === null ? 0 : processCpuMicros(natsPid),
    }),
    async stop() {
      await Promise.all(relays.map((relay) => relay.stop('SIGTERM', 10_000)));
      await postgres?.stop();
      await nats?.stop();
      for (const relay of relays) fs.rmSync(relay.dataDir, { recursive: true, force: true });
    },
  };
}

interface Sample {
  readonly delivered: number;
  readonly seconds: number;
  readonly cpu: { relays: number; postgres: number; nats: number };
  readonly p99Ms: number;
  readonly stuck: number;
  readonly errors: readonly string[];
}

/** One closed-loop window over every pair, measured between two marks. */
async function measure(generator: LoadGenerator, running: Running, clients: number) {
  await generator.all({
    op: 'run',
    target: 'relay',
    kind: 'closed',
    active: clients,
    window: SIZE.window,
    rate: 0,
  });
  await sleep(SIZE.warmMs);
  const first = await generator.all<MarkReply>({ op: 'mark' });
  const cpu0 = running.cpu();
  const t0 = performance.now();
  await sleep(SIZE.measureMs);
  const second = await generator.all<MarkReply>({ op: 'mark' });
  const cpu1 = running.cpu();
  const seconds = (performance.now() - t0) / 1000;
  const stops = await generator.all<StopReply>({ op: 'stop' });
  const latencies = stops.flatMap((stop) => Array.from(stop.latencies)).sort((a, b) => a - b);
  const sample: Sample = {
    delivered: second.reduce((sum, m, i) => sum + m.delivered - (first[i]?.delivered ?? 0), 0),
    seconds,
    cpu: {
      relays: cpu1.relays - cpu0.relays,
      postgres: cpu1.postgres - cpu0.postgres,
      nats: cpu1.nats - cpu0.nats,
    },
    // The workers give microseconds.
    p99Ms:
      (latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * 0.99))] ?? NaN) /
      1000,
    stuck: stops.reduce((n, s) => n + s.stuck, 0),
    errors: [...new Set(stops.flatMap((s) => s.errorCodes))],
  };
  return sample;
}

/** Signs up the pairs, places them (the two of a pair on different relays) and registers them. */
async function connectPairs(generator: LoadGenerator, running: Running): Promise<number> {
  const { relays } = running;
  const clients = SIZE.pairs * 2;
  const head = relays[0];
  if (head === undefined) throw new Error('no relay');
  const cookies = await signUpAccounts(
    { port: head.httpsPort, ca: head.caPem(), origin: ORIGIN },
    clients,
    'cluster',
  );
  const relayOf = (index: number) => {
    const pair = Math.floor(index / 2);
    return relays[(pair + (index % 2)) % relays.length] ?? head;
  };
  const workerOf = (index: number) => Math.floor(index / 2) % WORKERS;
  const specs: ClientSpec[] = cookies.map((cookie, index) => ({
    index,
    cookie,
    peer: index ^ 1,
    relayPort: relayOf(index).httpsPort,
  }));
  const indexes = specs.map((spec) => spec.index);
  await generator.all((worker) => ({
    op: 'init',
    ports: { relay: head.httpsPort, uwsOne: 0, uwsBatched: 0 },
    ca: head.caPem(),
    origin: ORIGIN,
    clients: specs.filter((spec) => workerOf(spec.index) === worker),
  }));
  await registerDevices(generator, indexes, workerOf);
  return clients;
}

/** What one set-up measured: CPU per message (µs) in all, of PostgreSQL and of NATS, and p99. */
interface Measured {
  readonly cpuUs: number;
  readonly pgUs: number;
  readonly natsUs: number;
  readonly p99: number;
  readonly problems: readonly string[];
}

/** Runs one set-up in this process: servers, accounts, the rounds, and the servers stopped. */
async function runSetUp(setUp: SetUp): Promise<Measured> {
  const pwaDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vaultroom-bench-cluster-'));
  fs.writeFileSync(path.join(pwaDir, 'index.html'), '<!doctype html><title>bench</title>');
  const running = await start(setUp, pwaDir);
  stopOnExit(running);
  const generator = new LoadGenerator(WORKERS);
  const problems: string[] = [];
  try {
    const clients = await connectPairs(generator, running);
    const samples: Sample[] = [];
    for (let r = 0; r < SIZE.rounds; r++) {
      const s = await measure(generator, running, clients);
      samples.push(s);
      const total = s.cpu.relays + s.cpu.postgres + s.cpu.nats;
      log(
        `  ${setUp.name} round ${r + 1}: ${Math.round(s.delivered / s.seconds)} msgs/s, ${round(total / s.delivered)} µs CPU/msg (relays ${round(s.cpu.relays / s.delivered)}, PostgreSQL ${round(s.cpu.postgres / s.delivered)}, NATS ${round(s.cpu.nats / s.delivered)}), p99 ${round(s.p99Ms)} ms`,
      );
      if (s.stuck > 0) problems.push(`${setUp.name}: ${s.stuck} messages never completed`);
      if (s.errors.length > 0) problems.push(`${setUp.name}: errors ${s.errors.join(', ')}`);
    }
    const per = (pick: (s: Sample) => number) => median(samples.map((s) => pick(s) / s.delivered));
    return {
      cpuUs: per((s) => s.cpu.relays + s.cpu.postgres + s.cpu.nats),
      pgUs: per((s) => s.cpu.postgres),
      natsUs: per((s) => s.cpu.nats),
      p99: median(samples.map((s) => s.p99Ms)),
      problems,
    };
  } finally {
    await generator.close();
    await running.stop();
    fs.rmSync(pwaDir, { recursive: true, force: true });
  }
}

/**
 * PostgreSQL runs detached (pg_ctl) and nats-server as a child: neither goes when this process
 * dies. A crash in the load generator, or the suite's timeout (SIGTERM, then SIGKILL 5 s later),
 * stops them first, so a failed run leaves no server behind.
 */
function stopOnExit(running: Running): void {
  let stopping = false;
  const stopThenExit = (why: unknown) => {
    if (stopping) return;
    stopping = true;
    console.error('cluster bench stopping its servers:', why);
    for (const relay of running.relays) relay.child.kill('SIGKILL');
    const servers = [running.postgres?.stop(), running.nats?.stop()].filter(
      (stop) => stop !== undefined,
    );
    void Promise.allSettled(servers).finally(() => {
      process.exit(1);
    });
  };
  process.once('SIGTERM', () => {
    stopThenExit('SIGTERM');
  });
  process.once('SIGINT', () => {
    stopThenExit('SIGINT');
  });
  process.once('uncaughtException', stopThenExit);
  process.once('unhandledRejection', stopThenExit);
}

/**
 * Stops the running set-up's process (and so its servers) when this one is told to stop, and
 * exits once it has, running no further set-up.
 */
function forwardStop(child: ReturnType<typeof spawn>): () => void {
  const forward = () => {
    child.kill('SIGTERM');
    child.once('exit', () => process.exit(1));
  };
  process.on('SIGTERM', forward);
  process.on('SIGINT', forward);
  return () => {
    process.off('SIGTERM', forward);
    process.off('SIGINT', forward);
  };
}

/**
 * Each set-up runs in a process of its own (this script again, with BENCH_CLUSTER_ONLY and
 * BENCH_CLUSTER_OUT): one set-up's sockets, workers and TLS state never carry into the next.
 */
function runInChild(setUp: SetUp): Promise<Measured> {
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'vaultroom-bench-')), 'out.json');
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      '--conditions=source',
      fileURLToPath(import.meta.url),
      ...(SMOKE ? ['--smoke'] : []),
    ],
    {
      stdio: ['ignore', 'inherit', 'inherit'],
      env: { ...process.env, BENCH_CLUSTER_ONLY: setUp.name, BENCH_CLUSTER_OUT: out },
    },
  );
  const unforward = forwardStop(child);
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => {
      unforward();
      try {
        resolve(JSON.parse(fs.readFileSync(out, 'utf8')) as Measured);
      } catch (error) {
        reject(
          new Error(`${setUp.name} exited with ${String(code)} and no figures`, { cause: error }),
        );
      } finally {
        fs.rmSync(path.dirname(out), { recursive: true, force: true });
      }
    });
  });
}

/** BENCH_CLUSTER_ONLY=postgres_1 runs one set-up alone (and BENCH_CLUSTER_OUT=<file> saves it). */
const ONLY = process.env['BENCH_CLUSTER_ONLY'];
const OUT = process.env['BENCH_CLUSTER_OUT'];
const alone = SETUPS.find((setUp) => setUp.name === ONLY);
if (ONLY !== undefined && alone === undefined) throw new Error(`no set-up ${ONLY}`);
if (alone !== undefined && OUT !== undefined) {
  fs.writeFileSync(OUT, JSON.stringify(await runSetUp(alone)));
} else {
  const perSetUp = new Map<string, Measured>();
  for (const setUp of alone === undefined ? SETUPS : [alone]) {
    perSetUp.set(setUp.name, alone === undefined ? await runInChild(setUp) : await runSetUp(setUp));
  }
  const smokeNote = SMOKE ? 'smoke run: checks the harness, measures nothing' : undefined;
  const figures: Figure[] = [];
  const base = perSetUp.get('sqlite_1') ?? null;
  for (const [name, measured] of perSetUp) {
    const note = `${SIZE.pairs} pairs × ${SIZE.window} in flight; PostgreSQL ${round(measured.pgUs)} µs, NATS ${round(measured.natsUs)} µs of it`;
    figures.push({
      name: `cluster.${name}.cpu_us_per_msg`,
      value: round(measured.cpuUs),
      unit: 'us',
      ...(base === null
        ? {}
        : {
            baseline: 'cluster.sqlite_1.cpu_us_per_msg',
            baseline_value: round(base.cpuUs),
            ratio: round(measured.cpuUs / base.cpuUs),
          }),
      note: smokeNote ?? note,
    });
    figures.push({
      name: `cluster.${name}.p99_ms`,
      value: round(measured.p99),
      unit: 'ms',
      ...(base === null
        ? {}
        : {
            baseline: 'cluster.sqlite_1.p99_ms',
            baseline_value: round(base.p99),
            ratio: round(measured.p99 / base.p99),
          }),
      note: smokeNote ?? 'send to delivery, closed loop',
    });
  }
  reportFigures(figures, args.json);
  const problems = [...perSetUp.values()].flatMap((measured) => measured.problems);
  for (const problem of problems) console.error(`problem: ${problem}`);
  if (problems.length > 0) process.exitCode = 1;
}
