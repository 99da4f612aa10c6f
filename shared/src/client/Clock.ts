/**
 * Time, injected so tests drive it by hand and the backoff and timeouts are deterministic.
 * Adapter over the platform timers: `schedule: (ms, run) => { const t = setTimeout(run, ms);
 * return () => clearTimeout(t); }`.
 */
export interface Clock {
  now(): number;
  /** Runs `run` once after `ms` milliseconds; the returned function cancels it. */
  schedule(ms: number, run: () => void): () => void;
}
