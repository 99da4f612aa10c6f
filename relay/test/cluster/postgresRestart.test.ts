import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiClient } from '../apiClient.js';
import { signUp } from '../deviceSocket.js';
import { connect } from '../enrolDevice.js';
import type { RelayProcess } from '../relayProcess.js';
import { startRelayCluster, type RelayCluster } from './relayCluster.js';
import { clusterClient, enrolDeviceOn, hex, invite } from './clusterClients.js';

/*
 * PostgreSQL restarted under two relays: while it is down a send cannot be stored, so the relay
 * holds it for its busy deadline and then answers STORAGE_BUSY (never `sent`, never a storage
 * error that says "full"); the app's outbox sends again, and once the database is back everything
 * it was told is sent reaches the recipient on the other relay.
 */
describe('two relays while their PostgreSQL restarts', () => {
  let cluster: RelayCluster;
  let alice: ApiClient;

  beforeAll(async () => {
    cluster = await startRelayCluster(2);
    const first = cluster.relays[0];
    if (first === undefined) throw new Error('no relay');
    alice = await signUp(first, cluster.adminInvite(), 'alice');
  }, 120_000);

  afterAll(async () => {
    await cluster.stop();
  });

  it('answers STORAGE_BUSY while it is down and loses nothing acked', async () => {
    const [one, two] = cluster.relays as [RelayProcess, RelayProcess];
    const bob = await invite(alice, one, 'bob');
    const aliceDevice = await enrolDeviceOn(one, alice, 'Alice phone');
    const bobDevice = await enrolDeviceOn(two, bob, 'Bob phone');
    const ca = one.caPem();
    const acked = new Set<string>();
    const received = new Set<string>();
    const sender = clusterClient({
      target: () => ({ port: one.httpsPort, ca, cookie: alice.cookie }),
      device: aliceDevice,
    });
    sender.subscribeSends((update) => {
      if (update.state === 'sent') acked.add(hex(update.msg));
    });
    const reader = clusterClient({
      target: () => ({ port: two.httpsPort, ca, cookie: bob.cookie }),
      device: bobDevice,
      onMessage: (msg) => received.add(msg),
    });
    const body = () => new Uint8Array(randomBytes(100));
    const send = async () => hex(await sender.send([{ device: bobDevice, body: body() }]));
    const before = [await send(), await send()];
    await expect
      .poll(() => before.every((msg) => received.has(msg)), { timeout: 10_000 })
      .toBe(true);

    // A bare socket, opened while the database is up, to see the relay's own answer.
    const raw = await connect(one, alice, aliceDevice);
    await raw.next((frame) => frame.t === 'queue-empty');
    await cluster.postgres.shutDown();
    const down = performance.now();
    const reply = await raw.request({
      t: 'send',
      id: raw.id(),
      msg: new Uint8Array(randomBytes(16)),
      to: [{ device: bobDevice, body: body() }],
    });
    const answeredMs = performance.now() - down;
    expect(reply).toMatchObject({ t: 'error', code: 'STORAGE_BUSY' });
    // Meanwhile the app's outbox keeps what it was given, unacked.
    const duringMsgs = await Promise.all([send(), send(), send()]);
    expect(duringMsgs.filter((msg) => acked.has(msg))).toEqual([]);
    await cluster.postgres.startAgain();
    const back = performance.now();
    await expect
      .poll(() => duringMsgs.every((msg) => acked.has(msg) && received.has(msg)), {
        timeout: 30_000,
      })
      .toBe(true);
    const recoveredMs = performance.now() - back;
    const lost = [...acked].filter((msg) => !received.has(msg));
    console.log(
      `PostgreSQL restart: STORAGE_BUSY after ${answeredMs.toFixed(0)} ms down; the outbox's ${duringMsgs.length} sends acked and delivered ${recoveredMs.toFixed(0)} ms after it was back; lost=${lost.length}`,
    );
    expect(lost).toEqual([]);
    raw.close();
    sender.close();
    reader.close();
  }, 90_000);
});
