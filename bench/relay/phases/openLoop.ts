import { median } from '../../lib/median.js';
import type { Sample, RelayBench } from '../RelayBench.js';
import { log, round } from '../progressLog.js';
import { GOAL_RATE, SIZE } from '../runSettings.js';

/** Latency, open loop at fixed offered rates, 1,000 clients: relay against bare uWS batched. */
export async function runOpenLoop(bench: RelayBench): Promise<void> {
  const { measure, waitIdle, percentiles, describe, figure, problems } = bench;
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
}
