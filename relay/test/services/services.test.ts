import fs from 'node:fs';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNats, type NatsServer } from './natsServer.js';
import { startPostgres, type PostgresServer } from './postgresServer.js';

/*
 * The real engines that several relays share (PROTOCOL.md §2, ops/README "Several relays"): each
 * test that needs them starts its own, on loopback, in a temporary directory, and removes it.
 * This file checks that the harness gives what the relay will rely on.
 */
describe('PostgreSQL and NATS for tests', () => {
  let postgres: PostgresServer;
  let nats: NatsServer;

  beforeAll(async () => {
    [postgres, nats] = await Promise.all([startPostgres(), startNats()]);
  });

  afterAll(async () => {
    await Promise.all([postgres.stop(), nats.stop()]);
  });

  it('serves a PostgreSQL database on loopback with durable commits, and keeps it across a restart', async () => {
    expect(postgres.url).toMatch(/^postgres:\/\/vaultroom@127\.0\.0\.1:\d+\/vaultroom$/);
    const client = new pg.Client({ connectionString: postgres.url });
    await client.connect();
    const settings = await client.query<{ name: string; setting: string }>(
      `SELECT name, setting FROM pg_settings
       WHERE name IN ('fsync', 'synchronous_commit', 'listen_addresses') ORDER BY name`,
    );
    expect(settings.rows).toEqual([
      { name: 'fsync', setting: 'on' },
      { name: 'listen_addresses', setting: '127.0.0.1' },
      { name: 'synchronous_commit', setting: 'on' },
    ]);
    await client.query('CREATE TABLE kept (n integer)');
    await client.query('INSERT INTO kept VALUES (1)');
    await client.end();

    await postgres.restart();
    const again = new pg.Client({ connectionString: postgres.url });
    await again.connect();
    expect((await again.query<{ n: number }>('SELECT n FROM kept')).rows).toEqual([{ n: 1 }]);
    await again.end();
  });

  it('carries NATS messages between two connections, and comes back after a pause', async () => {
    const connectBoth = async (): Promise<[NatsConnection, NatsConnection]> => [
      await connect({ servers: nats.url }),
      await connect({ servers: nats.url }),
    ];
    const [publisher, subscriber] = await connectBoth();
    const subscription = subscriber.subscribe('relay.node-2');
    await subscriber.flush();
    publisher.publish('relay.node-2', 'wake device-7');
    for await (const message of subscription) {
      expect(message.string()).toBe('wake device-7');
      break;
    }
    await Promise.all([publisher.close(), subscriber.close()]);

    await nats.pause();
    await expect(connect({ servers: nats.url, reconnect: false })).rejects.toThrow();
    await nats.resume();
    const [p2, s2] = await connectBoth();
    const sub2 = s2.subscribe('relay.node-3');
    await s2.flush();
    p2.publish('relay.node-3', 'after the pause');
    for await (const message of sub2) {
      expect(message.string()).toBe('after the pause');
      break;
    }
    await Promise.all([p2.close(), s2.close()]);
  });

  it('leaves nothing behind when stopped', async () => {
    const extra = await startPostgres();
    const dir = extra.dataDir;
    expect(fs.existsSync(dir)).toBe(true);
    await extra.stop();
    expect(fs.existsSync(dir)).toBe(false);
    const client = new pg.Client({ host: '127.0.0.1', port: extra.port, user: 'vaultroom' });
    await expect(client.connect()).rejects.toThrow();
  });
});
