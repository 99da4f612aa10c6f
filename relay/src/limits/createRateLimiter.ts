/** The answer of a rate limiter: go ahead, or wait this many seconds. */
export type RateDecision =
  { readonly allowed: true } | { readonly allowed: false; readonly retryAfterSeconds: number };

export interface RateLimiter {
  /**
   * Takes `cost` tokens for `key` (one by default; a cost above the burst takes the whole burst,
   * so no single request is refused for ever).
   */
  take(key: string, now?: number, cost?: number): RateDecision;
  /** Whether `take` would succeed, without taking anything (for limits that count failures). */
  check(key: string, now?: number): RateDecision;
}

/**
 * Token buckets per key (an address or an account): `burst` requests at once, refilled at
 * `perMinute`. Buckets that are full again are dropped, so memory follows only active keys.
 */
export function createRateLimiter(options: { burst: number; perMinute: number }): RateLimiter {
  const buckets = new Map<string, { tokens: number; at: number }>();
  const refillPerMs = options.perMinute / 60_000;
  let lastSweep = 0;

  const sweep = (now: number) => {
    if (now - lastSweep < 60_000) return;
    lastSweep = now;
    for (const [key, bucket] of buckets) {
      if (bucket.tokens + (now - bucket.at) * refillPerMs >= options.burst) buckets.delete(key);
    }
  };

  const tokensOf = (key: string, now: number) => {
    const bucket = buckets.get(key) ?? { tokens: options.burst, at: now };
    return Math.min(options.burst, bucket.tokens + (now - bucket.at) * refillPerMs);
  };
  const refusal = (tokens: number): RateDecision => ({
    allowed: false,
    retryAfterSeconds: Math.ceil((1 - tokens) / refillPerMs / 1000),
  });

  return {
    take(key, now = Date.now(), cost = 1) {
      sweep(now);
      const tokens = tokensOf(key, now);
      const needed = Math.min(cost, options.burst);
      if (tokens < needed) {
        buckets.set(key, { tokens, at: now });
        return refusal(tokens - needed + 1);
      }
      buckets.set(key, { tokens: tokens - needed, at: now });
      return { allowed: true };
    },
    check(key, now = Date.now()) {
      const tokens = tokensOf(key, now);
      return tokens < 1 ? refusal(tokens) : { allowed: true };
    },
  };
}
