import fs from 'node:fs';
import path from 'node:path';
import { makeDataDir, startRelayProcess, type RelayProcess } from '../relayProcess.js';
import { startNats, type NatsServer } from '../services/natsServer.js';
import { startPostgres, type PostgresServer } from '../services/postgresServer.js';

/**
 * Several relay processes sharing one PostgreSQL database and one NATS server, as an operator
 * runs them behind a load balancer (ops/README): one certificate and one audit log key for all
 * (the first relay's, copied into each data directory), one `blobs/` directory (the first
 * relay's, linked from the others: shared storage, as the runbook mounts it), the same host
 * name, each on a port of its own.
 */
export interface RelayCluster {
  readonly postgres: PostgresServer;
  readonly nats: NatsServer;
  /** The running relays; `restart(i)` replaces entry i. */
  readonly relays: RelayProcess[];
  /** The one-time link that creates the first administrator (the last relay started made it). */
  adminInvite(): string;
  /** Starts relay i again (after a kill) on its data directory; its port changes. */
  restart(index: number): Promise<RelayProcess>;
  /** Stops every relay (SIGKILL: nothing to wait for), then the servers, and removes it all. */
  stop(): Promise<void>;
}

export async function startRelayCluster(
  count: number,
  args: readonly string[] = [],
): Promise<RelayCluster> {
  const [postgres, nats] = await Promise.all([startPostgres(), startNats()]);
  const env = { VAULTROOM_DATABASE_URL: postgres.url, VAULTROOM_NATS_URL: nats.url };
  const start = (dataDir: string) => startRelayProcess({ dataDir, env, args });
  // The first relay migrates the database and makes the certificate the others serve.
  const first = await start(makeDataDir());
  const dataDirs = [first.dataDir];
  for (let i = 1; i < count; i++) {
    const dataDir = makeDataDir();
    // One certificate for all, and the audit log key the relays on this database sign with.
    for (const shared of ['tls', 'audit']) {
      fs.cpSync(path.join(first.dataDir, shared), path.join(dataDir, shared), { recursive: true });
    }
    fs.symlinkSync(path.join(first.dataDir, 'blobs'), path.join(dataDir, 'blobs'));
    dataDirs.push(dataDir);
  }
  // One after another: while no account exists, each start replaces the first-administrator
  // invite of the one before, so only the last one's link works.
  const relays = [first];
  for (const dir of dataDirs.slice(1)) relays.push(await start(dir));
  const lastStarted = relays.at(-1) ?? first;
  return {
    postgres,
    nats,
    relays,
    adminInvite: () => lastStarted.adminInvite() ?? '',
    async restart(index) {
      const dataDir = dataDirs[index];
      if (dataDir === undefined) throw new Error(`no relay ${String(index)}`);
      const relay = await start(dataDir);
      relays[index] = relay;
      return relay;
    },
    async stop() {
      await Promise.all(relays.map((relay) => relay.stop('SIGKILL')));
      await Promise.all([postgres.stop(), nats.stop()]);
      for (const dir of dataDirs) fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
