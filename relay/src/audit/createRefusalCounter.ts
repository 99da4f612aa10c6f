import type { SecurityEvent } from './recordSecurityEvent.js';

/** A refusal as the transport reports it: never an authenticated action, always a failure. */
export type Refusal = SecurityEvent & { readonly outcome: 'failure' };

export interface RefusalCounterOptions {
  /** Appends one event to the audit log. */
  readonly record: (event: SecurityEvent) => Promise<void>;
  /** Milliseconds since the epoch; the counter's minutes are the clock's. */
  readonly now?: () => number;
  /**
   * Keys (event type and client tag) given events of their own in one minute; refusals of further
   * keys that minute are counted together in one event per event type.
   */
  readonly maxKeysPerMinute?: number;
}

export interface RefusalCounter {
  /** Counts one refusal: the first of its key in a minute is recorded at once, the rest counted. */
  refuse(refusal: Refusal): void;
  /** Records the counts of every minute that has ended. */
  flushEnded(): Promise<void>;
  /** Stops the timer and records every count, the current minute's included (at relay stop). */
  close(): Promise<void>;
}

/** 20 keys make at most 2 × 20 events a minute, plus one per event type beyond them. */
export const MAX_KEYS_PER_MINUTE = 20;
/** Distinct clients counted in an overflow event: beyond this it says "at least". */
const MAX_OVERFLOW_CLIENTS = 10_000;
const MINUTE_MS = 60_000;

type Details = NonNullable<SecurityEvent['details']>;

/** The refusals of one key and minute that came after the first (already recorded). */
interface Tally {
  readonly type: SecurityEvent['type'];
  readonly client: string | null;
  readonly minute: number;
  count: number;
  first: number;
  last: number;
  /** The user agent family all of them share, or null when they differ. */
  userAgent: string | null;
  /** The details all of them share; the others are left out rather than misattributed. */
  details: Record<string, Details[string]>;
  /** Overflow tallies only: the distinct clients, bounded. */
  readonly clients?: Set<string>;
}

function commonDetails(
  shared: Record<string, Details[string]>,
  details: Details | undefined,
): Record<string, Details[string]> {
  const kept: Record<string, Details[string]> = {};
  for (const [key, value] of Object.entries(shared)) {
    if (details?.[key] === value) kept[key] = value;
  }
  return kept;
}

/**
 * Counts refusals (a wrong Origin, a rate limit, a refused socket upgrade) instead of logging each:
 * anyone can cause them without signing in, and one durable event per refusal lets a client fill
 * the disk and bury real events. Per event type, client tag and minute the first refusal is
 * recorded at once (so an attack shows as it starts) and the rest as one event with their count
 * when the minute ends; at most `maxKeysPerMinute` keys a minute get events of their own, the
 * refusals of further keys are counted in one event per type. The `count` of every event adds up
 * to the refusals seen.
 */
export function createRefusalCounter(options: RefusalCounterOptions): RefusalCounter {
  const now = options.now ?? (() => Date.now());
  const maxKeys = options.maxKeysPerMinute ?? MAX_KEYS_PER_MINUTE;
  /** Keys seen per minute (the first refusal recorded), with what came after. */
  const tallies = new Map<string, Tally | null>();
  const keysPerMinute = new Map<number, number>();
  const overflow = new Map<string, Tally>();
  let timer: NodeJS.Timeout | null = null;
  let closed = false;

  const record = (event: SecurityEvent): Promise<void> => options.record(event);

  function schedule(): void {
    if (timer !== null || closed) return;
    // Just after the current minute ends: everything counted in it is then final.
    const wait = MINUTE_MS - (now() % MINUTE_MS) + 50;
    timer = setTimeout(() => {
      timer = null;
      void flushEnded().finally(() => {
        if (tallies.size > 0 || overflow.size > 0) schedule();
      });
    }, wait);
    timer.unref();
  }

  function bump(tally: Tally, refusal: Refusal, at: number): void {
    tally.count += 1;
    tally.last = at;
    if (tally.userAgent !== (refusal.userAgent ?? null)) tally.userAgent = null;
    tally.details = commonDetails(tally.details, refusal.details);
    const client = refusal.client ?? null;
    if (client !== null && tally.clients !== undefined) {
      if (tally.clients.size < MAX_OVERFLOW_CLIENTS) tally.clients.add(client);
    }
  }

  function start(refusal: Refusal, minute: number, at: number, clients?: Set<string>): Tally {
    return {
      type: refusal.type,
      client: clients === undefined ? (refusal.client ?? null) : null,
      minute,
      count: 0,
      first: at,
      last: at,
      userAgent: refusal.userAgent ?? null,
      details: { ...refusal.details },
      ...(clients === undefined ? {} : { clients }),
    };
  }

  function eventOf(tally: Tally): SecurityEvent {
    const details: Details = {
      ...tally.details,
      count: tally.count,
      first: new Date(tally.first).toISOString(),
      last: new Date(tally.last).toISOString(),
    };
    if (tally.clients !== undefined) {
      return {
        type: tally.type,
        outcome: 'failure',
        client: null,
        userAgent: tally.userAgent,
        details: {
          ...details,
          overflow: true,
          clients: tally.clients.size,
          ...(tally.clients.size >= MAX_OVERFLOW_CLIENTS ? { clientsAtLeast: true } : {}),
        },
      };
    }
    return {
      type: tally.type,
      outcome: 'failure',
      client: tally.client,
      userAgent: tally.userAgent,
      details,
    };
  }

  async function flush(before: number): Promise<void> {
    const due: Tally[] = [];
    for (const [key, tally] of tallies) {
      const minute = Number(key.slice(0, key.indexOf(' ')));
      if (minute >= before) continue;
      tallies.delete(key);
      if (tally !== null && tally.count > 0) due.push(tally);
    }
    for (const [key, tally] of overflow) {
      if (tally.minute >= before) continue;
      overflow.delete(key);
      due.push(tally);
    }
    for (const minute of keysPerMinute.keys()) {
      if (minute < before) keysPerMinute.delete(minute);
    }
    due.sort((a, b) => a.first - b.first);
    // One at a time, in the order they began; a failed append is reported by `record` and the
    // rest still go in.
    for (const tally of due) await record(eventOf(tally));
  }

  function flushEnded(): Promise<void> {
    return flush(Math.floor(now() / MINUTE_MS));
  }

  return {
    refuse(refusal) {
      if (closed) return;
      const at = now();
      const minute = Math.floor(at / MINUTE_MS);
      const key = `${minute} ${refusal.type} ${refusal.client ?? ''}`;
      const seen = tallies.get(key);
      if (seen !== undefined) {
        const tally = seen ?? start(refusal, minute, at);
        if (seen === null) tallies.set(key, tally);
        bump(tally, refusal, at);
        schedule();
        return;
      }
      const keys = keysPerMinute.get(minute) ?? 0;
      if (keys < maxKeys) {
        keysPerMinute.set(minute, keys + 1);
        tallies.set(key, null);
        void record({ ...refusal, details: { ...refusal.details, count: 1 } });
        schedule();
        return;
      }
      const overflowKey = `${minute} ${refusal.type}`;
      let tally = overflow.get(overflowKey);
      if (tally === undefined) {
        tally = start(refusal, minute, at, new Set());
        overflow.set(overflowKey, tally);
      }
      bump(tally, refusal, at);
      schedule();
    },
    flushEnded,
    async close() {
      closed = true;
      if (timer !== null) clearTimeout(timer);
      timer = null;
      await flush(Number.POSITIVE_INFINITY);
    },
  };
}
