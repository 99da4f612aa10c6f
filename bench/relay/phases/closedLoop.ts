import { median } from '../../lib/median.js';
import type { Sample, RelayBench } from '../RelayBench.js';
import type { Target } from '../WorkerCommand.js';
import { log, round } from '../progressLog.js';
import { IN_FLIGHT, SIZE } from '../runSettings.js';

/** Throughput, closed loop: relay, bare uWS batched, bare uWS one send per message. */
export async function runClosedLoop(bench: RelayBench): Promise<void> {
  const { measure, describe, check, figure } = bench;
  for (const clients of [SIZE.small, SIZE.clients]) {
    const window = Math.max(1, Math.round(IN_FLIGHT / clients));
    log(`closed loop, ${clients} clients × ${window} in flight, ${SIZE.rounds} interleaved rounds`);
    const samples: Record<Target, Sample[]> = { relay: [], uwsBatched: [], uwsOne: [] };
    for (let r = 0; r < SIZE.rounds; r++) {
      for (const target of ['relay', 'uwsBatched', 'uwsOne'] as const) {
        const s = await measure(target, 'closed', clients, window);
        samples[target].push(s);
        describe(`${target} round ${r + 1}`, s);
        check(`${target} closed ${clients}`, s);
      }
    }
    const suffix = clients === SIZE.clients ? '' : `_${SIZE.small}_clients`;
    const cpu = samples.relay.map((s) => s.cpuUsPerMsg);
    const cpuBase = samples.uwsBatched.map((s) => s.cpuUsPerMsg);
    const cpuRatio = median(cpu.map((v, i) => v / (cpuBase[i] ?? Number.NaN)));
    const gen = median(samples.relay.map((s) => s.generatorCores));
    figure({
      name: `relay.cpu_us_per_msg${suffix}`,
      value: round(median(cpu)),
      unit: 'us',
      baseline: 'uws.cpu_us_per_msg',
      baseline_value: round(median(cpuBase)),
      ratio: round(cpuRatio),
      goal: '<= 3',
      met: cpuRatio <= 3,
      note: `relay CPU per delivered message, ${clients} clients, closed loop; generator ${round(gen)} cores`,
    });
    const rate = samples.relay.map((s) => s.msgsPerS);
    const rateBase = samples.uwsBatched.map((s) => s.msgsPerS);
    figure({
      name: `relay.msgs_per_s${suffix}`,
      value: Math.round(median(rate)),
      unit: 'msgs/s',
      baseline: 'uws.msgs_per_s',
      baseline_value: Math.round(median(rateBase)),
      ratio: round(median(rate.map((v, i) => v / (rateBase[i] ?? Number.NaN)))),
      note: `delivered, ${clients} clients, closed loop (shares 2 cores with the generator)`,
    });
    const one = samples.uwsOne.map((s) => s.cpuUsPerMsg);
    figure({
      name: `uws.cpu_us_per_msg_unbatched${suffix}`,
      value: round(median(one)),
      unit: 'us',
      baseline: 'uws.cpu_us_per_msg',
      baseline_value: round(median(cpuBase)),
      ratio: round(median(one.map((v, i) => v / (cpuBase[i] ?? Number.NaN)))),
      note: 'the bare relay sending each message with its own call, against batching per loop turn',
    });
  }
}
