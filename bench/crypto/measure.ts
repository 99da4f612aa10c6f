/** Timing for the protocol benchmark: costs per call, interleaved rounds, their ratios. */
import { median } from '../lib/median.js';

let sink = 0;
/** Keeps a result alive, so no engine can skip the work that made it. */
export const use = (bytes: Uint8Array) => {
  sink ^= bytes[0] ?? 0;
};

/** Microseconds per call of `body`, over n calls. */
export function cost(n: number, body: () => void): number {
  const start = performance.now();
  for (let i = 0; i < n; i++) body();
  return ((performance.now() - start) * 1000) / n;
}
export async function costAsync(n: number, body: () => Promise<void>): Promise<number> {
  const start = performance.now();
  for (let i = 0; i < n; i++) await body();
  return ((performance.now() - start) * 1000) / n;
}

/** One bit of everything `use` kept, printed so that the work cannot be optimised away. */
export const sinkBit = () => sink & 1;

export interface Pair {
  readonly candidate: number[];
  readonly baseline: number[];
}

/** `rounds` rounds of candidate and baseline, alternating which goes first (A B, B A, …). */
export async function interleave(
  rounds: number,
  candidate: () => number | Promise<number>,
  baseline: () => number | Promise<number>,
): Promise<Pair> {
  const pair: Pair = { candidate: [], baseline: [] };
  for (let r = 0; r < rounds; r++) {
    if (r % 2 === 0) {
      pair.candidate.push(await candidate());
      pair.baseline.push(await baseline());
    } else {
      pair.baseline.push(await baseline());
      pair.candidate.push(await candidate());
    }
  }
  return pair;
}

/** Median of the pairwise ratios of `a` over `b`. */
export const ratioOf = (a: readonly number[], b: readonly number[]) =>
  median(a.map((x, i) => x / (b[i] ?? Number.NaN)));
export const perSecond = (micros: readonly number[]) => micros.map((us) => 1e6 / us);
export const round2 = (x: number) => Math.round(x * 100) / 100;
export const round0 = (x: number) => Math.round(x);
