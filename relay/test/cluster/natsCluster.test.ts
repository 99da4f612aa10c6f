import { connect, type NatsConnection } from '@nats-io/transport-node';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLUSTER_SUBJECT } from '../../src/cluster/clusterMessages.js';
import { createNatsCluster, type Cluster } from '../../src/cluster/createNatsCluster.js';
import { natsConnectionOptions, startCluster } from '../../src/cluster/startCluster.js';
import type { FanoutListener } from '../../src/delivery/Fanout.js';
import { startNats, type NatsServer } from '../services/natsServer.js';

const log = pino({ level: 'silent' });

/** What one relay's delivery service heard from the others. */
function recorder(connected: string[] = []) {
  const heard = {
    woken: [] as string[],
    revoked: [] as string[],
    catchUps: 0,
    ended: [] as string[],
  };
  const listener: FanoutListener = {
    wake: (deviceId) => heard.woken.push(deviceId),
    catchUp: () => (heard.catchUps += 1),
    devicesRevoked: (deviceIds) => heard.revoked.push(...deviceIds),
    connectedDevices: () => connected,
  };
  return { heard, listener };
}

/** One relay's side of the bus: its own NATS connection and cluster. */
async function node(nats: NatsServer, connected: string[] = [], heartbeatMs?: number) {
  const nc = await connect(natsConnectionOptions(nats.url));
  const cluster = createNatsCluster(nc, { log, ...(heartbeatMs ? { heartbeatMs } : {}) });
  const { heard, listener } = recorder(connected);
  cluster.fanout.listen(listener);
  cluster.onSessionsEnded((ids) => heard.ended.push(...ids));
  await nc.flush();
  return { nc, cluster, heard };
}

const poll = { timeout: 5000, interval: 20 };

describe('relays over NATS', () => {
  let nats: NatsServer;
  const open: Cluster[] = [];

  beforeAll(async () => {
    nats = await startNats();
  });
  afterAll(async () => {
    await Promise.all(open.map((cluster) => cluster.stop()));
    await nats.stop();
  });

  it('wakes, closes sessions and revokes devices on the other relays, never on the sender', async () => {
    const [one, two, three] = await Promise.all([node(nats), node(nats), node(nats)]);
    open.push(one.cluster, two.cluster, three.cluster);
    one.cluster.fanout.committed(['bob-phone', 'bob-laptop']);
    one.cluster.sessionsEnded(['session-1']);
    one.cluster.fanout.devicesRevoked(['mallory-device']);
    for (const other of [two, three]) {
      await expect.poll(() => other.heard.revoked, poll).toEqual(['mallory-device']);
      expect(other.heard.woken).toEqual(['bob-phone', 'bob-laptop']);
      expect(other.heard.ended).toEqual(['session-1']);
    }
    await one.nc.flush();
    expect(one.heard).toMatchObject({ woken: [], revoked: [], ended: [] });
  });

  it('tells other relays which devices are connected where, and forgets a relay that stops', async () => {
    const one = await node(nats, ['bob-phone']);
    const two = await node(nats);
    open.push(one.cluster, two.cluster);
    // Two joined after one: its hello made one send a snapshot with bob's phone.
    await expect.poll(() => two.cluster.fanout.connectedElsewhere('bob-phone'), poll).toBe(true);
    one.cluster.fanout.presenceChanged('carol', true);
    await expect.poll(() => two.cluster.fanout.connectedElsewhere('carol'), poll).toBe(true);
    one.cluster.fanout.presenceChanged('carol', false);
    await expect.poll(() => two.cluster.fanout.connectedElsewhere('carol'), poll).toBe(false);
    // A relay never counts its own connections as elsewhere.
    expect(one.cluster.fanout.connectedElsewhere('bob-phone')).toBe(false);
    await one.cluster.stop();
    await expect.poll(() => two.cluster.fanout.connectedElsewhere('bob-phone'), poll).toBe(false);
  });

  it('forgets the devices of a relay that went silent (killed) after a few heartbeats', async () => {
    const doomed = await node(nats, ['dave'], 100);
    const watcher = await node(nats, [], 100);
    open.push(watcher.cluster);
    await expect.poll(() => watcher.cluster.fanout.connectedElsewhere('dave'), poll).toBe(true);
    // No goodbye: the connection just ends, as a SIGKILL would end it.
    await doomed.nc.close();
    await expect.poll(() => watcher.cluster.fanout.connectedElsewhere('dave'), poll).toBe(false);
  });

  it('ignores malformed messages on the bus and keeps working', async () => {
    const target = await node(nats);
    open.push(target.cluster);
    const stranger: NatsConnection = await connect({ servers: nats.url });
    for (const junk of ['not json', '{"t":"wake","node":"x","devices":"all"}', '[]', '']) {
      stranger.publish(CLUSTER_SUBJECT, junk);
    }
    stranger.publish(CLUSTER_SUBJECT, JSON.stringify({ t: 'wake', node: 'x', devices: ['ok'] }));
    await expect.poll(() => target.heard.woken, poll).toEqual(['ok']);
    await stranger.close();
  });

  it('catches up from the mailbox when NATS comes back after a cut', async () => {
    const one = await node(nats);
    const two = await node(nats);
    open.push(one.cluster, two.cluster);
    // Two's hello, as it joined, made one catch up once already.
    await expect.poll(() => one.heard.catchUps, poll).toBe(1);
    await nats.pause();
    // Published while the bus is away: at most once, it may be lost.
    one.cluster.fanout.committed(['lost-device']);
    await nats.resume();
    // Each catches up on its own reconnect; the one that reconnected first again at the other's
    // hello, since the wake-ups the other published while still reconnecting are lost.
    await expect
      .poll(() => one.heard.catchUps + two.heard.catchUps, { timeout: 10_000, interval: 50 })
      .toBeGreaterThanOrEqual(4);
    one.cluster.fanout.committed(['after-cut']);
    await expect.poll(() => two.heard.woken.includes('after-cut'), poll).toBe(true);
  });

  it('refuses NATS on SQLite, and a NATS that cannot be reached, at start', async () => {
    const postgres = 'postgres://vaultroom@127.0.0.1:5432/vaultroom';
    await expect(startCluster({ natsUrl: nats.url, databaseUrl: null }, log)).rejects.toThrow(
      /VAULTROOM_NATS_URL needs VAULTROOM_DATABASE_URL/,
    );
    await expect(
      startCluster({ natsUrl: 'nats://127.0.0.1:1', databaseUrl: postgres }, log),
    ).rejects.toMatchObject({ code: 'NATS_UNREACHABLE' });
    const alone = await startCluster({ natsUrl: null, databaseUrl: null }, log);
    expect(alone.fanout.connectedElsewhere('anyone')).toBe(false);
  });
});
