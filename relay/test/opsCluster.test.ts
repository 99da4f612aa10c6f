import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  installed,
  killAllDaemons,
  must,
  readEnvFile,
  run,
  startDaemon,
  until,
  type Daemon,
} from './opsProcesses.js';
import { CEREMONY_SCRIPT, FETCH_SCRIPT, HOLD_SCRIPT, HTTP_SCRIPT } from './opsClientScripts.js';
import {
  clusterSite,
  DOMAIN,
  FRONT,
  haproxyConfig,
  NODES,
  renderSite,
  shareCertificates,
} from './opsClusterSite.js';
import { CLI, runCli } from './relayProcess.js';

/*
 * A site of several relays run live in a network namespace: HAProxy from its rendered file in
 * front of two relays on their rendered settings, with TLS passed through, least connections,
 * health checks that take a hung node out and put a restarted one back, and the redirect of plain
 * HTTP. The relays run on SQLite here: what is under test is the front, not the store (the
 * PostgreSQL and NATS tests are in relay/test/services). Needs root and haproxy (CI installs it;
 * the file checks of the same site are in opsClusterFiles.test.ts).
 */

const tag = `${process.pid % 100000}`;
const NS = `vr-lb-${tag}`;
const DEV = `vrl${tag}`;

const inNs = (command: string, ...args: string[]) => ['netns', 'exec', NS, command, ...args];

interface Fetched {
  readonly status?: number;
  readonly san?: string;
  readonly error?: string;
}

describe.skipIf(!installed('haproxy'))('a site of several relays behind HAProxy', () => {
  let work = '';
  let out = '';
  let foreignOut = '';
  let dataDirs: string[] = [];
  const running: Daemon[] = [];

  const nodeFile = (name: string, file: string) => path.join(out, 'nodes', name, file);

  beforeAll(async () => {
    if (process.getuid?.() !== 0) {
      throw new Error('the cluster ops tests create a network namespace: run them as root');
    }
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'vaultroom-cluster-'));
    out = path.join(work, 'site');
    foreignOut = path.join(work, 'foreign');
    dataDirs = NODES.map((node) => path.join(work, node.name));

    const ca = path.join(work, 'ca.pem');
    fs.copyFileSync(await shareCertificates(dataDirs), ca);
    await renderSite(clusterSite(DEV, ca), out);

    // A CA of another site, for the health checks to refuse.
    const foreignData = path.join(work, 'foreign-data');
    const foreign = await runCli(['certs', '--data-dir', foreignData], {
      VAULTROOM_HOSTNAME: DOMAIN,
    });
    if (foreign.code !== 0) throw new Error(`certs failed: ${foreign.stderr}`);
    await renderSite(clusterSite(DEV, path.join(foreignData, 'tls/ca.pem')), foreignOut);

    await must('ip', ['netns', 'add', NS]);
    // A veth pair inside the namespace stands for the LAN (the dummy driver may be absent).
    await must('ip', ['-n', NS, 'link', 'add', DEV, 'type', 'veth', 'peer', 'name', `${DEV}p`]);
    await must('ip', ['-n', NS, 'link', 'set', `${DEV}p`, 'up']);
    // The front's address last: not the interface's primary one, which HAProxy must not rely on.
    for (const address of [...NODES.map((node) => node.ipv4), FRONT]) {
      await must('ip', ['-n', NS, 'addr', 'add', `${address}/24`, 'dev', DEV]);
    }
    await must('ip', ['-n', NS, 'link', 'set', 'lo', 'up']);
    await must('ip', ['-n', NS, 'link', 'set', DEV, 'up']);
  });

  afterAll(async () => {
    await Promise.all(running.map((daemon) => daemon.stop()));
    killAllDaemons();
    await run('ip', ['netns', 'del', NS]);
    if (work !== '') fs.rmSync(work, { recursive: true, force: true });
  });

  describe('live, in a network namespace', () => {
    const relays = new Map<string, Daemon>();
    let haproxy: Daemon | null = null;
    const ca = () => fs.readFileSync(path.join(work, 'ca.pem'), 'utf8');

    async function nodeScript(script: string, ...args: string[]): Promise<unknown> {
      const result = await must('ip', inNs(process.execPath, '-e', script, ...args), 30_000);
      return JSON.parse(result.stdout.trim().split('\n').at(-1) ?? 'null');
    }

    /** A relay as its unit starts it: the rendered settings, on SQLite (see the file comment). */
    async function startNode(index: number): Promise<Daemon> {
      const node = NODES[index];
      if (node === undefined) throw new Error(`no node ${index}`);
      // The database and NATS URLs name servers this test does not run.
      const settings = Object.fromEntries(
        Object.entries(readEnvFile(nodeFile(node.name, 'etc/vaultroom/relay.env'))).filter(
          ([name]) => name !== 'VAULTROOM_DATABASE_URL' && name !== 'VAULTROOM_NATS_URL',
        ),
      );
      const relay = startDaemon(
        'ip',
        inNs(process.execPath, CLI, 'serve', '--data-dir', dataDirs[index] ?? ''),
        settings,
      );
      running.push(relay);
      relays.set(node.name, relay);
      await until(
        () => Promise.resolve(relay.output().includes('relay listening') ? true : null),
        20_000,
        () => `${node.name} to listen; its output: ${relay.output()}`,
      );
      return relay;
    }

    function startHaproxy(config: string): Daemon {
      // A private /run/haproxy for the stats socket, so the test never meets the host's HAProxy.
      const daemon = startDaemon(
        'ip',
        inNs(
          'unshare',
          '-m',
          'sh',
          '-c',
          `mount -t tmpfs tmpfs /run/haproxy && exec haproxy -db -f ${config}`,
        ),
      );
      running.push(daemon);
      return daemon;
    }

    /** Established connections from HAProxy to each node, from the node's side. */
    /** The peers of HAProxy's established connections to each node, from the node's side. */
    async function peersPerNode(): Promise<string[][]> {
      return Promise.all(
        NODES.map(async (node) => {
          const listed = await must(
            'ip',
            inNs('ss', '-Htn', 'state', 'established', `( sport = :${node.port} )`),
          );
          const rows = listed.stdout.split('\n').filter((line) => line.trim() !== '');
          // `[::ffff:10.233.0.1]:40000`: the relay listens on IPv6 and IPv4 both.
          const peer = (row: string) => row.trim().split(/\s+/)[3] ?? '';
          return rows.map((row) =>
            peer(row)
              .replace(/:\d+$/, '')
              .replace(/^\[(::ffff:)?|\]$/g, ''),
          );
        }),
      );
    }
    const connectionsPerNode = async () => (await peersPerNode()).map((peers) => peers.length);

    function hold(count: number): Daemon {
      const holder = startDaemon(
        'ip',
        inNs(process.execPath, '-e', HOLD_SCRIPT, FRONT, DOMAIN, '8443', String(count), ca()),
      );
      running.push(holder);
      return holder;
    }

    it('passes TLS through to the nodes: the client verifies the relay certificate for the site name', async () => {
      await Promise.all(NODES.map((_node, index) => startNode(index)));
      haproxy = startHaproxy(haproxyConfig(out));
      const results = await until(
        async () => {
          const fetched = (await nodeScript(
            FETCH_SCRIPT,
            FRONT,
            DOMAIN,
            '8443',
            '/healthz',
            '6',
            ca(),
          )) as Fetched[];
          return fetched.every((one) => one.status === 200) ? fetched : null;
        },
        15_000,
        () => `HAProxy to pass requests through; it said: ${haproxy?.output() ?? ''}`,
      );
      for (const result of results) expect(result.san).toContain(`DNS:${DOMAIN}`);
      const served = new X509Certificate(
        fs.readFileSync(path.join(dataDirs[0] ?? '', 'tls/server.pem')),
      );
      expect(served.subjectAltName).toBe(results[0]?.san);
    }, 60_000);

    it("lets a site's sign-ins through the front past one address's allowance on each node", async () => {
      // Each node allows 30 ceremonies a minute per address (the default), and sees every client
      // at the front's address: 70 could not all pass on two nodes unless that address is exempt.
      const statuses = await nodeScript(CEREMONY_SCRIPT, FRONT, DOMAIN, '8443', '70', ca());
      expect(statuses).toEqual(Array(70).fill(200));
    }, 30_000);

    let firstHolder: Daemon | null = null;

    it('spreads long-lived connections by least connections', async () => {
      const holder = hold(6);
      firstHolder = holder;
      await until(
        () => Promise.resolve(holder.output().includes('held 6') ? true : null),
        10_000,
        () => `six held connections; holder said: ${holder.output()}`,
      );
      const counts = await until(
        async () => {
          const now = await connectionsPerNode();
          return now[0] === 3 && now[1] === 3 ? now : null;
        },
        10_000,
        () => 'three connections on each node',
      );
      expect(counts).toEqual([3, 3]);
      // From the front's address, which the nodes' firewalls let in, whatever the route picks.
      expect(new Set((await peersPerNode()).flat())).toEqual(new Set([FRONT]));
    });

    it('takes a hung node out and cuts its clients, so that they reconnect to the other', async () => {
      // A stopped process keeps its connections open but answers nothing: only the health
      // checks can tell, and only HAProxy closing them sends its clients elsewhere.
      relays.get('relay2')?.child.kill('SIGSTOP');
      await until(
        () =>
          Promise.resolve(
            (haproxy?.output() ?? '').includes('Server vaultroom_nodes/relay2 is DOWN')
              ? true
              : null,
          ),
        15_000,
        () => `HAProxy to mark relay2 down; it said: ${haproxy?.output() ?? ''}`,
      );
      await until(
        () =>
          Promise.resolve(
            (firstHolder?.output().match(/^closed$/gm) ?? []).length === 3 ? true : null,
          ),
        5_000,
        () => `relay2's three clients to be cut; holder said: ${firstHolder?.output() ?? ''}`,
      );
      const fetched = (await nodeScript(
        FETCH_SCRIPT,
        FRONT,
        DOMAIN,
        '8443',
        '/healthz',
        '10',
        ca(),
      )) as Fetched[];
      expect(fetched.map((one) => one.status ?? one.error)).toEqual(Array(10).fill(200));
      expect((await connectionsPerNode())[0]).toBe(3);
    }, 30_000);

    it('puts a restarted node back, and sends it the new connections until it catches up', async () => {
      await relays.get('relay2')?.stop('SIGKILL');
      await startNode(1);
      await until(
        () =>
          Promise.resolve(
            (haproxy?.output() ?? '').includes('Server vaultroom_nodes/relay2 is UP') ? true : null,
          ),
        15_000,
        () => `HAProxy to mark relay2 up; it said: ${haproxy?.output() ?? ''}`,
      );
      const holder = hold(3);
      await until(
        () => Promise.resolve(holder.output().includes('held 3') ? true : null),
        10_000,
        () => `three more held connections; holder said: ${holder.output()}`,
      );
      const counts = await until(
        async () => {
          const now = await connectionsPerNode();
          return now[0] === 3 && now[1] === 3 ? now : null;
        },
        10_000,
        () => 'the three new connections on relay2',
      );
      expect(counts).toEqual([3, 3]);
    }, 40_000);

    it('redirects plain HTTP to the HTTPS origin itself', async () => {
      const redirect = await nodeScript(HTTP_SCRIPT, FRONT, '8080', '/some/path?x=1', DOMAIN);
      expect(redirect).toEqual({ status: 308, location: `https://${DOMAIN}/some/path?x=1` });
    });

    it('marks down a node whose certificate the site CA did not issue', async () => {
      await haproxy?.stop();
      const foreign = startHaproxy(haproxyConfig(foreignOut));
      for (const node of NODES) {
        await until(
          () =>
            Promise.resolve(
              new RegExp(`Server vaultroom_nodes/${node.name} is DOWN, reason: Layer6`).test(
                foreign.output(),
              )
                ? true
                : null,
            ),
          20_000,
          () => `HAProxy to refuse ${node.name}'s certificate; it said: ${foreign.output()}`,
        );
      }
      expect(foreign.output()).toMatch(/SSL handshake failure|certificate verify failed/i);
    }, 40_000);
  });
});
