import { median } from '../../lib/median.js';
import { processRssKib } from '../../lib/processStats.js';
import type { RelayBench } from '../RelayBench.js';
import { log, round, sleep } from '../progressLog.js';
import { SIZE, WORKERS } from '../runSettings.js';

/** Memory per idle authenticated connection (first, while every heap is still small). */
export async function runIdleMemory(bench: RelayBench): Promise<void> {
  const { generator, servers, figure } = bench;
  log(`idle connections: ${SIZE.idle} per server, ${SIZE.idleRounds} interleaved rounds`);
  const relayKib: number[] = [];
  const uwsKib: number[] = [];
  for (let r = 0; r < SIZE.idleRounds; r++) {
    for (const target of ['relay', 'uwsBatched'] as const) {
      const pid = servers[target].pid;
      await sleep(SIZE.settleMs / 2);
      const before = processRssKib(pid);
      const opened = performance.now();
      await generator.all({ op: 'openIdle', target, count: SIZE.idle / WORKERS });
      const openSeconds = (performance.now() - opened) / 1000;
      await sleep(SIZE.settleMs);
      const after = processRssKib(pid);
      const kib = (after - before) / SIZE.idle;
      (target === 'relay' ? relayKib : uwsKib).push(kib);
      log(
        `  ${target.padEnd(10)} +${after - before} KiB RSS for ${SIZE.idle} sockets: ${round(kib)} KiB each (opened in ${round(openSeconds, 1)} s)`,
      );
      await generator.all({ op: 'closeIdle' });
    }
  }
  const ratios = relayKib.map((kib, i) => kib / (uwsKib[i] ?? Number.NaN));
  const ratio = median(ratios);
  figure({
    name: 'relay.kib_per_idle_conn',
    value: round(median(relayKib)),
    unit: 'KiB',
    baseline: 'uws.kib_per_idle_conn',
    baseline_value: round(median(uwsKib)),
    ratio: round(ratio),
    goal: '<= 1.5',
    met: ratio <= 1.5,
    note: `RSS growth over ${SIZE.idle} idle TLS sockets (session cookie checked, hello answered)`,
  });
}
