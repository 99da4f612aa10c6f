/**
 * What every phase of the relay benchmark shares: the load generator and the servers' pids, the
 * accounts and their devices, one window's measurement, and the figures and problems found.
 */
import * as hdr from 'hdr-histogram-js';
import type { Figure } from '../lib/Figure.js';
import { processCpuMicros } from '../lib/processStats.js';
import type { LoadGenerator } from './LoadGenerator.js';
import { log, round, sleep } from './progressLog.js';
import { SIZE, SMOKE, WORKERS } from './runSettings.js';
import type { MarkReply, StopReply, Target } from './WorkerCommand.js';

export interface RelayBenchSetup {
  readonly generator: LoadGenerator;
  /** The three servers under load, by pid (for their CPU time and memory from /proc). */
  readonly servers: Record<Target, { readonly pid: number }>;
  /** Every account's index, the clients' first (below SIZE.clients), then the backlog senders. */
  readonly allIndexes: readonly number[];
  readonly clientIndexes: readonly number[];
  /** Each account's device id at the relay, by index. */
  readonly devices: Readonly<Record<number, string>>;
  /** The generator worker that holds an account's sockets. */
  readonly workerOf: (index: number) => number;
}

export interface RelayBench extends RelayBenchSetup {
  /** Of `indexes`, those held by `worker`. */
  readonly byWorker: (indexes: readonly number[]) => (worker: number) => number[];
  readonly measure: (
    target: Target,
    kind: 'closed' | 'open',
    active: number,
    load: number,
  ) => Promise<Sample>;
  readonly waitIdle: (target: Target) => Promise<void>;
  readonly percentiles: typeof percentiles;
  readonly describe: (label: string, s: Sample) => void;
  readonly check: (label: string, s: Sample) => void;
  readonly figure: (f: Figure) => void;
  readonly figures: Figure[];
  readonly problems: string[];
}

export function createRelayBench(setup: RelayBenchSetup): RelayBench {
  const { generator, servers, workerOf } = setup;
  const byWorker = (indexes: readonly number[]) => (worker: number) =>
    indexes.filter((index) => workerOf(index) === worker);
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
    const delivered = second.reduce(
      (sum, m, i) => sum + m.delivered - (first[i]?.delivered ?? 0),
      0,
    );
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

  return {
    ...setup,
    byWorker,
    measure,
    waitIdle,
    percentiles,
    describe,
    check,
    figure,
    figures,
    problems,
  };
}

export interface Sample {
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
