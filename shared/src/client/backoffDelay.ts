export interface BackoffOptions {
  /** The cap of the first retry's delay. */
  readonly baseMs: number;
  /** No delay ever exceeds this. */
  readonly maxMs: number;
}

/**
 * "Full jitter" exponential backoff: uniform in [0, min(max, base·2^attempt)). Spreading retries
 * over the whole window keeps a relay restart from being met by every client at the same instant.
 * `attempt` counts failures since the last success, from 0.
 */
export function backoffDelay(
  attempt: number,
  options: BackoffOptions,
  random: () => number,
): number {
  const cap = Math.min(options.maxMs, options.baseMs * 2 ** Math.min(attempt, 52));
  return Math.floor(random() * cap);
}
