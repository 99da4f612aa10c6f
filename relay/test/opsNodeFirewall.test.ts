import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONNECT_FROM_SCRIPT } from './opsClientScripts.js';
import { killAllDaemons, must, run, startDaemon, until, type Daemon } from './opsProcesses.js';
import { runCli } from './relayProcess.js';

/*
 * A cluster node's rendered firewall, checked by `nft -c` and then loaded in a node namespace:
 * a LAN namespace beside it holds the front's address and another one, and only the front may
 * reach the relay port. Needs root, nftables and iproute2.
 */

const tag = `${process.pid % 100000}`;
const NODE_NS = `vr-node-${tag}`;
const LAN_NS = `vr-lan-${tag}`;
const NODE_IF = `vrn${tag}`;
const LAN_IF = `vrm${tag}`;
const FRONT = '10.235.0.1';
const NODE = '10.235.0.2';
const OTHER = '10.235.0.50';
const NODE_PORT = '9443';

describe("a cluster node's firewall", () => {
  let work = '';
  let ruleset = '';
  const running: Daemon[] = [];

  /** A connect from the LAN namespace, from one of its addresses, to the node. */
  async function connectFrom(localAddress: string, port: string): Promise<unknown> {
    const result = await must('ip', [
      'netns',
      'exec',
      LAN_NS,
      process.execPath,
      '-e',
      CONNECT_FROM_SCRIPT,
      NODE,
      port,
      localAddress,
      '1500',
    ]);
    return JSON.parse(result.stdout.trim().split('\n').at(-1) ?? 'null');
  }

  beforeAll(async () => {
    if (process.getuid?.() !== 0) {
      throw new Error('the node firewall test creates network namespaces: run it as root');
    }
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'vaultroom-node-fw-'));
    const site = {
      relay: { ipv4: FRONT },
      network: {
        interface: 'eth0',
        subnet: '10.235.0.0/24',
        router: '10.235.0.254',
        dhcpRange: { first: '10.235.0.100', last: '10.235.0.150' },
      },
      cluster: {
        nodes: [{ name: 'relay1', ipv4: NODE, port: Number(NODE_PORT) }],
        databaseUrl: 'postgres://vaultroom@10.235.0.20/vaultroom',
      },
    };
    fs.writeFileSync(path.join(work, 'site.json'), JSON.stringify(site));
    const rendered = await runCli(['site', 'render', path.join(work, 'site.json'), work]);
    if (rendered.code !== 0) throw new Error(`render failed: ${rendered.stderr}`);
    ruleset = path.join(work, 'nodes/relay1/etc/vaultroom/vaultroom.nft');

    await must('ip', ['netns', 'add', NODE_NS]);
    await must('ip', ['netns', 'add', LAN_NS]);
    await must('ip', [
      'link',
      'add',
      NODE_IF,
      'netns',
      NODE_NS,
      'type',
      'veth',
      'peer',
      'name',
      LAN_IF,
      'netns',
      LAN_NS,
    ]);
    await must('ip', ['-n', NODE_NS, 'addr', 'add', `${NODE}/24`, 'dev', NODE_IF]);
    await must('ip', ['-n', LAN_NS, 'addr', 'add', `${FRONT}/24`, 'dev', LAN_IF]);
    await must('ip', ['-n', LAN_NS, 'addr', 'add', `${OTHER}/24`, 'dev', LAN_IF]);
    for (const [ns, dev] of [
      [NODE_NS, NODE_IF],
      [LAN_NS, LAN_IF],
    ] as const) {
      await must('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
      await must('ip', ['-n', ns, 'link', 'set', dev, 'up']);
    }
  });

  afterAll(async () => {
    await Promise.all(running.map((daemon) => daemon.stop()));
    killAllDaemons();
    await run('ip', ['netns', 'del', NODE_NS]);
    await run('ip', ['netns', 'del', LAN_NS]);
    if (work !== '') fs.rmSync(work, { recursive: true, force: true });
  });

  it('nftables accepts the ruleset (nft -c -f, in a fresh network namespace)', async () => {
    const result = await run('unshare', ['-n', 'nft', '-c', '-f', ruleset]);
    expect(result.code, result.stderr).toBe(0);
  });

  it('lets the load balancer reach the relay port and no other address of the LAN', async () => {
    await must('ip', ['netns', 'exec', NODE_NS, 'nft', '-f', ruleset]);
    const listener = startDaemon('ip', [
      'netns',
      'exec',
      NODE_NS,
      process.execPath,
      '-e',
      `require('node:net').createServer((s) => s.end()).listen(${NODE_PORT}, () => console.log('listening'))`,
    ]);
    running.push(listener);
    await until(
      () => Promise.resolve(listener.output().includes('listening') ? true : null),
      10_000,
      () => `the stand-in relay to listen; it said: ${listener.output()}`,
    );
    expect(await connectFrom(FRONT, NODE_PORT)).toBe('connected');
    expect(await connectFrom(OTHER, NODE_PORT)).toBe('timeout');
    // SSH is open to the LAN (nothing listens: refused); any other port is dropped.
    expect(await connectFrom(OTHER, '22')).toBe('ECONNREFUSED');
    expect(await connectFrom(FRONT, '8080')).toBe('timeout');
  });
});
