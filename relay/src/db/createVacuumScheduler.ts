import { performance } from 'node:perf_hooks';
import type SQLite from 'better-sqlite3';
import type { Logger } from '../log/createLogger.js';

/** SQLite's `auto_vacuum = INCREMENTAL` (sqlite.org/pragma.html#pragma_auto_vacuum). */
const INCREMENTAL = 2;

export interface VacuumSchedulerOptions {
  readonly sqlite: SQLite.Database;
  readonly log: Logger;
  /** How often the free list is looked at. */
  readonly checkEveryMs?: number;
  /**
   * Pages given back per step, one `PRAGMA incremental_vacuum(n)` each: the step blocks the event
   * loop while it moves the last live pages into free ones and commits. 128 pages (512 KiB) took
   * a median 0.5–0.7 ms here, p99 2–9 ms, and about 12 ms when a WAL checkpoint fell into the
   * step; larger steps block longer for little more speed (BENCHMARKS.md, bench/relay/vacuum.ts).
   */
  readonly pagesPerStep?: number;
  /** The pause between two steps of one run, for the relay's own work. */
  readonly stepGapMs?: number;
  /** A run starts once this share of the file is free pages ... */
  readonly minFreeFraction?: number;
  /** ... and at least this many: a relay that reuses its free pages soon need not give them back. */
  readonly minFreePages?: number;
  /** A run starts, and goes on, only while the event loop was busy at most this share of the time. */
  readonly busyUtilization?: number;
}

export interface VacuumScheduler {
  /** Ends any run at once; call it before the database closes. */
  stop(): void;
}

interface Run {
  readonly startedAt: number;
  readonly pagesBefore: number;
  steps: number;
  blockedMs: number;
  longestStepMs: number;
}

/**
 * Gives the pages that deleted envelopes freed back to the file system, in small steps at quiet
 * moments. SQLite keeps freed pages in the file for reuse; after a large drain (a device that was
 * offline for weeks, a reconnect storm) that is most of the file, kept for good. With
 * `auto_vacuum = INCREMENTAL` (enableIncrementalVacuum) `PRAGMA incremental_vacuum(n)` moves the
 * last n pages into free ones and cuts the file; in WAL mode the main file shrinks when a
 * checkpoint copies that back, so a run ends with a passive checkpoint (which never waits).
 *
 * A run starts when the free list is a large share of the file and the event loop was mostly idle
 * since the last look; it goes on, one bounded step per timer turn, until the free list is empty,
 * and stops early when the relay gets busy or another process holds the write lock (the step does
 * not wait for it: a wait would block the event loop). No transaction of the relay's own is ever
 * open when a timer fires (every write is synchronous: see WriteStore), so a step is never taken
 * into one.
 */
export function createVacuumScheduler(options: VacuumSchedulerOptions): VacuumScheduler {
  const {
    sqlite,
    log,
    checkEveryMs = 10_000,
    pagesPerStep = 128,
    stepGapMs = 10,
    minFreeFraction = 0.25,
    minFreePages = 2048,
    busyUtilization = 0.5,
  } = options;
  let stopped = false;
  let run: Run | null = null;
  let stepTimer: NodeJS.Timeout | null = null;
  let sinceCheck = performance.eventLoopUtilization();

  const pragmaNumber = (name: string) => sqlite.pragma(name, { simple: true }) as number;

  function finish(reason: string): void {
    if (run === null) return;
    const ended = run;
    run = null;
    // Closed without stop(), between a step and this timer (a busy relay ends runs here).
    if (!sqlite.open) return;
    try {
      sqlite.pragma('wal_checkpoint(PASSIVE)');
    } catch (error) {
      log.warn({ err: error }, 'could not checkpoint after giving free database pages back');
    }
    const pageSize = pragmaNumber('page_size');
    log.info(
      {
        reason,
        steps: ended.steps,
        freedBytes: (ended.pagesBefore - pragmaNumber('page_count')) * pageSize,
        fileBytes: pragmaNumber('page_count') * pageSize,
        blockedMs: Math.round(ended.blockedMs * 10) / 10,
        longestStepMs: Math.round(ended.longestStepMs * 10) / 10,
        ms: Math.round(performance.now() - ended.startedAt),
      },
      'gave free database pages back',
    );
  }

  function step(): void {
    stepTimer = null;
    if (stopped || run === null) return;
    if (!sqlite.open) {
      run = null; // closed without stop(): nothing left to do, and nothing to log about it
      return;
    }
    const busyTimeout = pragmaNumber('busy_timeout');
    const started = performance.now();
    try {
      sqlite.pragma('busy_timeout = 0');
      sqlite.pragma(`incremental_vacuum(${pagesPerStep})`);
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') {
        finish('the database was locked');
      } else {
        log.warn({ err: error }, 'could not give free database pages back');
        finish('error');
      }
      return;
    } finally {
      sqlite.pragma(`busy_timeout = ${busyTimeout}`);
    }
    const ms = performance.now() - started;
    run.steps += 1;
    run.blockedMs += ms;
    run.longestStepMs = Math.max(run.longestStepMs, ms);
    if (pragmaNumber('freelist_count') === 0) {
      finish('done');
      return;
    }
    const afterStep = performance.eventLoopUtilization();
    stepTimer = setTimeout(() => {
      if (performance.eventLoopUtilization(afterStep).utilization > busyUtilization) {
        finish('the relay got busy');
      } else {
        step();
      }
    }, stepGapMs);
    stepTimer.unref();
  }

  function check(): void {
    const utilization = performance.eventLoopUtilization(sinceCheck).utilization;
    sinceCheck = performance.eventLoopUtilization();
    if (stopped || run !== null || !sqlite.open) return;
    if (utilization > busyUtilization) return;
    if (pragmaNumber('auto_vacuum') !== INCREMENTAL) return;
    const free = pragmaNumber('freelist_count');
    const pages = pragmaNumber('page_count');
    if (free < minFreePages || free < pages * minFreeFraction) return;
    run = {
      startedAt: performance.now(),
      pagesBefore: pages,
      steps: 0,
      blockedMs: 0,
      longestStepMs: 0,
    };
    step();
  }

  const checks = setInterval(check, checkEveryMs);
  checks.unref();
  return {
    stop() {
      stopped = true;
      clearInterval(checks);
      if (stepTimer !== null) clearTimeout(stepTimer);
      stepTimer = null;
      run = null;
    },
  };
}
