/** The relay benchmark's size: what each phase runs, full or smoke. */
import { fileURLToPath } from 'node:url';
import { benchArgs } from '../lib/benchArgs.js';

export const args = benchArgs();
export const SMOKE = args.smoke;
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Everything the run's size depends on; the smoke run only checks that each step works. */
export const SIZE = SMOKE
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
export const IN_FLIGHT = SMOKE ? 40 : 1000;
export const WORKERS = 2;
export const GOAL_RATE = 20_000;
