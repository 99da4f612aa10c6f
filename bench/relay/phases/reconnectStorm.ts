import { processCpuMicros } from '../../lib/processStats.js';
import type { RelayBench } from '../RelayBench.js';
import type { Backlog } from '../WorkerCommand.js';
import { log, round } from '../progressLog.js';
import { SIZE } from '../runSettings.js';

/** Reconnect storm: every client offline with a backlog, then all reconnect at once. */
export async function runReconnectStorm(bench: RelayBench): Promise<void> {
  const {
    generator,
    servers,
    waitIdle,
    figure,
    problems,
    clientIndexes,
    allIndexes,
    devices,
    workerOf,
    byWorker,
  } = bench;
  const backlogPer = SIZE.stormBacklog;
  await generator.all((w) => ({ op: 'disconnect', indexes: byWorker(clientIndexes)(w) }));
  const senders = allIndexes.filter((index) => index >= SIZE.clients);
  const share = Math.ceil(clientIndexes.length / senders.length);
  const backlogs: Backlog[] = senders.map((sender, i) => ({
    sender,
    recipients: clientIndexes
      .slice(i * share, (i + 1) * share)
      .map((index) => devices[index] ?? ''),
    perRecipient: backlogPer,
    fanout: 100,
    window: 2,
  }));
  await generator.all((w) => ({
    op: 'backlog',
    backlogs: backlogs.filter((b) => workerOf(b.sender) === w),
  }));
  await waitIdle('relay');
  const cpu0 = processCpuMicros(servers.relay.pid);
  const gen0 = process.cpuUsage();
  const t0 = performance.now();
  const received = await generator.all<number>((w) => ({
    op: 'drain',
    indexes: byWorker(clientIndexes)(w),
    connect: true,
  }));
  const seconds = (performance.now() - t0) / 1000;
  const cpu = (processCpuMicros(servers.relay.pid) - cpu0) / 1e6;
  const gen = process.cpuUsage(gen0);
  const got = received.reduce((a, b) => a + b, 0);
  const total = clientIndexes.length * backlogPer;
  if (got !== total) problems.push(`reconnect storm: drained ${got} of ${total}`);
  log(
    `reconnect storm: ${clientIndexes.length} clients × ${backlogPer} envelopes, every queue empty after ${round(seconds)} s (relay ${round(cpu)} s CPU, generator ${round((gen.user + gen.system) / 1e6)} s CPU)`,
  );
  figure({
    name: 'relay.reconnect_storm_s',
    value: round(seconds),
    unit: 's',
    note: `${clientIndexes.length} clients reconnect at once (TLS, session, hello) with ${backlogPer} envelopes each; time until every queue reported empty and every ack was processed; relay ${round(cpu)} s CPU`,
  });
}
