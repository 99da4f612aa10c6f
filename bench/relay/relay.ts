/**
 * Relay benchmark: the real relay (relay/dist, as an operator runs it) beside a bare uWS TLS
 * relay that only forwards bytes (one send per message, and batched per socket per loop turn)
 * and beside a raw better-sqlite3 store-and-forward loop, all in this run, interleaved
 * (A B A B …) because this machine's speed drifts (DESIGN.md §9). Every server is its own
 * process and is measured by its own CPU time (/proc) and memory; the load generator is worker
 * threads in this process, and reports its CPU too, so a saturated generator shows.
 *
 *   npx tsx --conditions=source bench/relay/relay.ts [--smoke] [--json <file>]
 *
 * Clients are real accounts (passkey sign-up with the software authenticator, open registration)
 * with real devices, on TLS sockets with the session cookie, speaking the wire protocol: every
 * message goes through decode and validation, durable group commit, push, the recipient's ack
 * and the delete. Limits are raised through the relay's settings, never by patching it.
 * BENCH_RELAY_CPU_PROF=<dir> runs the relay under `node --cpu-prof` for a profile of the run.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { reportFigures } from '../lib/reportFigures.js';
import { startRelayProcess } from '../../relay/test/relayProcess.js';
import { spawnServer, type ServerProcess } from '../../relay/test/spawnServer.js';
import { LoadGenerator } from './LoadGenerator.js';
import { registerDevices } from './registerDevices.js';
import { runClosedLoop } from './phases/closedLoop.js';
import { runIdleMemory } from './phases/idleMemory.js';
import { runOpenLoop } from './phases/openLoop.js';
import { runReconnectStorm } from './phases/reconnectStorm.js';
import { runStoreAndForward } from './phases/storeAndForward.js';
import { log, round } from './progressLog.js';
import { createRelayBench } from './RelayBench.js';
import { ROOT, SIZE, WORKERS, args } from './runSettings.js';
import { signUpAccounts } from './signUpAccounts.js';
import type { ClientSpec, Target } from './WorkerCommand.js';

// ---- servers ----------------------------------------------------------------------------------

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vaultroom-bench-relay-'));
// The app itself is not on the measured path: a one-page stand-in keeps the relay's start (which
// compresses every asset) short and the run independent of whatever pwa/dist holds.
const pwaDir = path.join(dataDir, 'pwa');
fs.mkdirSync(pwaDir);
fs.writeFileSync(path.join(pwaDir, 'index.html'), '<!doctype html><title>bench</title>');
const profileDir = process.env['BENCH_RELAY_CPU_PROF'];
const relay = await startRelayProcess({
  dataDir,
  args: ['--pwa-dir', pwaDir],
  nodeArgs: profileDir === undefined ? [] : ['--cpu-prof', '--cpu-prof-dir', profileDir],
  env: {
    VAULTROOM_REGISTRATION: 'open',
    VAULTROOM_AUTH_RATE_PER_MINUTE: '100000',
    VAULTROOM_MAX_CONNECTIONS_PER_ACCOUNT: '64',
    VAULTROOM_SEND_RATE_PER_SECOND: '1000000',
  },
  raiseOpenFileLimit: true,
  keepLogs: false,
});
const relayPort = relay.httpsPort;
const ca = relay.caPem();

const bare = async (mode: 'one' | 'batched'): Promise<ServerProcess> =>
  spawnServer(
    [
      process.execPath,
      '--import',
      'tsx',
      path.join(ROOT, 'bench/relay/bareRelay.ts'),
      '--mode',
      mode,
      '--cert',
      path.join(dataDir, 'tls', 'server.pem'),
      '--key',
      path.join(dataDir, 'tls', 'server-key.pem'),
    ],
    {
      ready: (line) => typeof line['port'] === 'number',
      raiseOpenFileLimit: true,
      keepLogs: false,
    },
  );
const uwsOne = await bare('one');
const uwsBatched = await bare('batched');
/** The three servers under load, by pid (for their CPU time and memory from /proc). */
const servers: Record<Target, { readonly pid: number }> = { relay, uwsOne, uwsBatched };
const generator = new LoadGenerator(WORKERS);

async function shutdown(): Promise<void> {
  await generator.close();
  await Promise.all([relay, uwsOne, uwsBatched].map((server) => server.stop('SIGTERM', 10_000)));
  fs.rmSync(dataDir, { recursive: true, force: true });
}

// ---- set-up: accounts, devices, sockets --------------------------------------------------------

const setupStarted = performance.now();
const cookies = await signUpAccounts({ port: relayPort, ca }, SIZE.clients + SIZE.senders, 'bench');
// Clients 2k and 2k+1 are peers and share worker k % WORKERS; backlog senders follow them.
const workerOf = (index: number) =>
  index < SIZE.clients ? Math.floor(index / 2) % WORKERS : index % WORKERS;
const specs: ClientSpec[] = cookies.map((cookie, index) => ({
  index,
  cookie,
  peer: index < SIZE.clients ? index ^ 1 : -1,
}));
const allIndexes = specs.map((spec) => spec.index);
const clientIndexes = allIndexes.filter((index) => index < SIZE.clients);

await generator.all((worker) => ({
  op: 'init',
  ports: {
    relay: relayPort,
    uwsOne: Number(uwsOne.ready['port']),
    uwsBatched: Number(uwsBatched.ready['port']),
  },
  ca,
  origin: `https://vaultroom.local:${relayPort}`,
  clients: specs.filter((spec) => workerOf(spec.index) === worker),
}));
const devices = await registerDevices(generator, allIndexes, workerOf);
await generator.all({ op: 'connectBare', target: 'uwsOne' });
await generator.all({ op: 'connectBare', target: 'uwsBatched' });
log(
  `set-up (relay pid ${relay.pid}, bare uWS pids ${uwsOne.pid} and ${uwsBatched.pid}): ${specs.length} accounts with a device each, ${clientIndexes.length} clients on 3 servers, ${round((performance.now() - setupStarted) / 1000, 1)} s`,
);

const bench = createRelayBench({
  generator,
  servers,
  allIndexes,
  clientIndexes,
  devices,
  workerOf,
});
// Idle memory first, while every heap is still small.
await runIdleMemory(bench);
await runClosedLoop(bench);
await runOpenLoop(bench);
await runStoreAndForward(bench);
await runReconnectStorm(bench);

await shutdown();

reportFigures(bench.figures, args.json);
if (bench.problems.length > 0) {
  for (const problem of bench.problems) console.error(`problem: ${problem}`);
  process.exitCode = 1;
}
