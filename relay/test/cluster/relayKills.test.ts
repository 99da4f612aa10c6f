import { randomBytes } from 'node:crypto';
import sodium from 'libsodium-wrappers';
import { afterAll, describe, expect, it } from 'vitest';
import { signUp } from '../deviceSocket.js';
import type { RelayProcess } from '../relayProcess.js';
import { clusterClient, enrolDeviceOn, hex, invite } from './clusterClients.js';
import { startRelayCluster, type RelayCluster } from './relayCluster.js';

const KILLS = 10;
/** Sends go on until every kill is done, and at least this many. */
const MIN_MESSAGES = 400;

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('relays killed with SIGKILL while messages flow between them', () => {
  let cluster: RelayCluster | null = null;

  afterAll(async () => {
    await cluster?.stop();
  });

  it('loses no envelope acked to its sender and invents none, over 10 kills', async () => {
    await sodium.ready;
    cluster = await startRelayCluster(3);
    const running = cluster;
    const relays = running.relays;
    const first = relays[0];
    if (first === undefined) throw new Error('no relay');
    const ca = first.caPem();
    const alice = await signUp(first, running.adminInvite(), 'alice');
    const bob = await invite(alice, first, 'bob');
    const aliceDevice = await enrolDeviceOn(first, alice, 'Alice laptop');
    const phone = await enrolDeviceOn(first, bob, 'Bob phone');
    const laptop = await enrolDeviceOn(first, bob, 'Bob laptop');

    // The load balancer: each new connection goes to the next relay that is up.
    const down = new Set<number>();
    let turn = 0;
    const balancer = (cookie: string) => () => {
      const up = relays.filter((_relay, index) => !down.has(index));
      const relay = up[turn++ % up.length];
      if (relay === undefined) throw new Error('every relay is down');
      return { port: relay.httpsPort, ca, cookie };
    };

    const acked = new Set<string>();
    const onPhone = new Set<string>();
    const onLaptop = new Set<string>();
    const sender = clusterClient({ target: balancer(alice.cookie), device: aliceDevice });
    sender.subscribeSends((update) => {
      if (update.state === 'sent') acked.add(hex(update.msg));
    });
    const phoneClient = clusterClient({
      target: balancer(bob.cookie),
      device: phone,
      onMessage: (msg) => onPhone.add(msg),
    });
    const laptopClient = clusterClient({
      target: balancer(bob.cookie),
      device: laptop,
      onMessage: (msg) => onLaptop.add(msg),
    });

    const generated = new Set<string>();
    const started = performance.now();
    // Read through an object: the loop below runs while the kills change it.
    const phase = { killing: true };
    let sentDuringKills = 0;
    const sending = (async () => {
      for (let i = 0; phase.killing || i < MIN_MESSAGES; i++) {
        const body = new Uint8Array(randomBytes(200));
        const msg = await sender.send([
          { device: phone, body },
          { device: laptop, body },
        ]);
        generated.add(hex(msg));
        if (phase.killing) sentDuringKills += 1;
        await pause(5);
      }
    })();

    const restartMs: number[] = [];
    for (let kill = 0; kill < KILLS; kill++) {
      await pause(300 + Math.floor(Math.random() * 400));
      const index = kill % relays.length;
      const victim: RelayProcess | undefined = relays[index];
      if (victim === undefined) throw new Error('no relay');
      down.add(index);
      await victim.stop('SIGKILL');
      const restartedAt = performance.now();
      await running.restart(index);
      restartMs.push(performance.now() - restartedAt);
      down.delete(index);
    }
    phase.killing = false;
    await sending;
    await expect.poll(() => acked.size, { timeout: 60_000, interval: 100 }).toBe(generated.size);
    const all = (seen: Set<string>) => [...generated].every((msg) => seen.has(msg));
    await expect
      .poll(() => all(onPhone) && all(onLaptop), { timeout: 60_000, interval: 100 })
      .toBe(true);
    const seconds = (performance.now() - started) / 1000;

    const lost = [...acked].filter((msg) => !onPhone.has(msg) || !onLaptop.has(msg));
    const unexpected = [...onPhone, ...onLaptop].filter((msg) => !generated.has(msg));
    console.log(
      `relay kills: ${KILLS} SIGKILLs over 3 relays in ${seconds.toFixed(1)} s, ${generated.size} messages to two ` +
        `devices (${sentDuringKills} sent while relays were being killed), ` +
        `${acked.size} acked; restart p50 ${[...restartMs].sort((a, b) => a - b)[Math.floor(restartMs.length / 2)]?.toFixed(0) ?? '?'} ms; ` +
        `lost=${lost.length} unexpected=${unexpected.length}`,
    );
    expect(lost).toEqual([]);
    expect(unexpected).toEqual([]);
    for (const client of [sender, phoneClient, laptopClient]) client.close();
  }, 150_000);
});
