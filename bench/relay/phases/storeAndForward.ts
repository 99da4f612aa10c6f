import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnServer } from '../../../relay/test/spawnServer.js';
import { median } from '../../lib/median.js';
import { processCpuMicros } from '../../lib/processStats.js';
import type { RelayBench } from '../RelayBench.js';
import type { Backlog } from '../WorkerCommand.js';
import { log, round } from '../progressLog.js';
import { ROOT, SIZE } from '../runSettings.js';

/** Store and forward: offline recipients; relay against a raw better-sqlite3 loop. */
export async function runStoreAndForward(bench: RelayBench): Promise<void> {
  const {
    generator,
    servers,
    waitIdle,
    figure,
    problems,
    clientIndexes,
    devices,
    workerOf,
    byWorker,
  } = bench;
  const senders = clientIndexes.slice(0, SIZE.sfSenders);
  const recipients = clientIndexes.slice(SIZE.sfSenders, SIZE.sfSenders + SIZE.sfRecipients);
  const total = SIZE.sfSenders * SIZE.sfPerSender;
  log(
    `store and forward: ${senders.length} senders → ${recipients.length} offline devices, ${total} envelopes, ${SIZE.rounds} interleaved rounds`,
  );
  const relayRates: number[] = [];
  const sqliteRates: number[] = [];
  for (let r = 0; r < SIZE.rounds; r++) {
    await waitIdle('relay');
    await generator.all((w) => ({ op: 'disconnect', indexes: byWorker(recipients)(w) }));
    const backlogs: Backlog[] = senders.map((sender, i) => ({
      sender,
      recipients: [devices[recipients[i % recipients.length] ?? -1] ?? ''],
      perRecipient: SIZE.sfPerSender,
      fanout: 1,
      window: 1,
    }));
    const cpu0 = processCpuMicros(servers.relay.pid);
    const t0 = performance.now();
    await generator.all((w) => ({
      op: 'backlog',
      backlogs: backlogs.filter((b) => workerOf(b.sender) === w),
    }));
    const enqueueMs = performance.now() - t0;
    const cpu1 = processCpuMicros(servers.relay.pid);
    await generator.all((w) => ({
      op: 'connectRelay',
      indexes: byWorker(recipients)(w),
      hello: false,
    }));
    const cpu2 = processCpuMicros(servers.relay.pid);
    const t2 = performance.now();
    const received = await generator.all<number>((w) => ({
      op: 'drain',
      indexes: byWorker(recipients)(w),
      connect: false,
    }));
    const drainMs = performance.now() - t2;
    const cpu3 = processCpuMicros(servers.relay.pid);
    const got = received.reduce((a, b) => a + b, 0);
    if (got !== total) problems.push(`store and forward: drained ${got} of ${total}`);
    const relayRate = total / ((enqueueMs + drainMs) / 1000);
    relayRates.push(relayRate);
    log(
      `  relay   round ${r + 1}: ${Math.round(relayRate)} cycles/s (enqueue ${Math.round(enqueueMs)} ms, drain+ack+delete ${Math.round(drainMs)} ms, ${round((cpu1 - cpu0 + cpu3 - cpu2) / total)} µs CPU/msg)`,
    );

    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vaultroom-bench-sqlite-'));
    const loop = await spawnServer(
      [
        process.execPath,
        '--import',
        'tsx',
        path.join(ROOT, 'bench/relay/sqliteLoop.ts'),
        '--dir',
        dir,
        '--recipients',
        String(SIZE.sfRecipients),
        '--per-recipient',
        String(total / SIZE.sfRecipients),
        '--batch',
        '100',
      ],
      { ready: (line) => typeof line['messages'] === 'number', timeoutMs: 120_000 },
    );
    await loop.stop();
    fs.rmSync(dir, { recursive: true, force: true });
    const sqliteRate = Number(loop.ready['messages']) / Number(loop.ready['seconds']);
    sqliteRates.push(sqliteRate);
    log(
      `  sqlite  round ${r + 1}: ${Math.round(sqliteRate)} cycles/s (${round(Number(loop.ready['cpuMicros']) / total)} µs CPU/msg)`,
    );
  }
  const ratio = median(relayRates.map((v, i) => v / (sqliteRates[i] ?? Number.NaN)));
  figure({
    name: 'relay.store_forward_vs_sqlite',
    value: Math.round(median(relayRates)),
    unit: 'cycles/s',
    baseline: 'sqlite.store_forward_cycles_per_s',
    baseline_value: Math.round(median(sqliteRates)),
    ratio: round(ratio),
    goal: '>= 0.5',
    met: ratio >= 0.5,
    note: `durable enqueue, drain, ack, delete of ${total} envelopes for ${SIZE.sfRecipients} offline devices; the loop in batches of 100, FULL sync`,
  });
}
