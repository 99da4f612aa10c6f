import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
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
import { FETCH_SCRIPT, HOLD_SCRIPT, HTTP_SCRIPT } from './opsClientScripts.js';
import { CLI, runCli } from './relayProcess.js';

/*
 * A site of several relays: HAProxy's rendered configuration checked by `haproxy -c`, each node's
 * unit by systemd, the zones by BIND, then run live in a network namespace: HAProxy in front of two
 * relays on the rendered settings, with TLS passed through, least connections, health checks that
 * take a dead node out and put it back, and the redirect of plain HTTP. The relays run on SQLite
 * here: what is under test is the front, not the store (the PostgreSQL and NATS tests are in
 * relay/test/services). Needs root, haproxy, systemd-analyze and bind9 (CI installs them).
 */

const REPO = fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, '');
const tag = `${process.pid % 100000}`;
const NS = `vr-lb-${tag}`;
const DEV = `vrl${tag}`;
const FRONT = '10.233.0.1';
const NODES = [
  { name: 'relay1', ipv4: '10.233.0.2', port: 9443 },
  { name: 'relay2', ipv4: '10.233.0.3', port: 9444 },
] as const;
const DOMAIN = 'vaultroom.home.arpa';

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

  function siteFile(caFile: string) {
    return {
      domain: DOMAIN,
      relay: { ipv4: FRONT },
      network: {
        interface: DEV,
        subnet: '10.233.0.0/24',
        router: '10.233.0.254',
        dhcpRange: { first: '10.233.0.100', last: '10.233.0.150' },
      },
      service: { installDir: REPO, node: process.execPath },
      cluster: {
        nodes: NODES,
        databaseUrl:
          'postgres://vaultroom@10.233.0.20/vaultroom?sslmode=require&target_session_attrs=read-write',
        secretsEnvFile: '/etc/vaultroom/secrets.env',
        natsUrl: 'nats://10.233.0.20:4222',
        caFile,
        // HAProxy needs about two descriptors a connection; this machine's hard limit is lower
        // than the default 20000 connections ask for (a Debian server's is 524288).
        maxConnections: 4000,
      },
    };
  }

  async function render(site: unknown, into: string) {
    const file = `${into}.json`;
    fs.writeFileSync(file, JSON.stringify(site));
    const rendered = await runCli(['site', 'render', file, into]);
    if (rendered.code !== 0) throw new Error(`render failed: ${rendered.stderr}`);
  }

  const haproxyConfig = (root: string) => path.join(root, 'front/etc/haproxy/haproxy.cfg');
  const nodeFile = (name: string, file: string) => path.join(out, 'nodes', name, file);

  beforeAll(async () => {
    if (process.getuid?.() !== 0) {
      throw new Error('the cluster ops tests create a network namespace: run them as root');
    }
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'vaultroom-cluster-'));
    out = path.join(work, 'site');
    foreignOut = path.join(work, 'foreign');
    dataDirs = NODES.map((node) => path.join(work, node.name));

    // One certificate for every node: made once, its tls/ folder copied to the others.
    const certs = await runCli(['certs', '--data-dir', dataDirs[0] ?? ''], {
      VAULTROOM_HOSTNAME: DOMAIN,
      VAULTROOM_ALT_HOSTNAMES: 'vaultroom.local',
    });
    if (certs.code !== 0) throw new Error(`certs failed: ${certs.stderr}`);
    for (const dir of dataDirs.slice(1)) {
      fs.cpSync(path.join(dataDirs[0] ?? '', 'tls'), path.join(dir, 'tls'), { recursive: true });
    }
    const ca = path.join(work, 'ca.pem');
    fs.copyFileSync(path.join(dataDirs[0] ?? '', 'tls/ca.pem'), ca);
    await render(siteFile(ca), out);

    // A CA of another site, for the health checks to refuse.
    const foreignData = path.join(work, 'foreign-data');
    const foreign = await runCli(['certs', '--data-dir', foreignData], {
      VAULTROOM_HOSTNAME: DOMAIN,
    });
    if (foreign.code !== 0) throw new Error(`certs failed: ${foreign.stderr}`);
    await render(siteFile(path.join(foreignData, 'tls/ca.pem')), foreignOut);

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

  describe('static checks', () => {
    it('HAProxy accepts its configuration (haproxy -c)', async () => {
      const checked = await run('haproxy', ['-c', '-f', haproxyConfig(out)]);
      expect(checked.code, checked.stdout + checked.stderr).toBe(0);
      expect(checked.stdout).toContain('Configuration file is valid');
    });

    it.each(NODES.map((node) => node.name))(
      'systemd accepts the unit of %s and rates its exposure low',
      async (name) => {
        const unit = nodeFile(name, 'etc/systemd/system/vaultroom.service');
        const verified = await run('systemd-analyze', ['verify', unit]);
        expect(verified.stderr).toBe('');
        expect(verified.code).toBe(0);
        const security = await run('systemd-analyze', [
          'security',
          '--offline=true',
          '--no-pager',
          unit,
        ]);
        const exposure = /Overall exposure level for vaultroom\.service: ([\d.]+)/.exec(
          security.stdout,
        );
        expect(exposure, security.stdout + security.stderr).not.toBeNull();
        expect(Number(exposure?.[1])).toBeLessThanOrEqual(2);
        const wrapper = await run('sh', ['-n', nodeFile(name, 'usr/local/bin/vaultroom')]);
        expect(wrapper.code, wrapper.stderr).toBe(0);
      },
    );

    it('systemd and sh read the node settings alike, the URLs with & and ? included', async () => {
      const file = nodeFile('relay1', 'etc/vaultroom/relay.env');
      expect(fs.statSync(file).mode & 0o777).toBe(0o600);
      const shell = await must('env', ['-i', 'sh', '-c', `set -a; . ${file}; env`]);
      const fromShell = Object.fromEntries(
        shell.stdout
          .split('\n')
          .filter((line) => line.startsWith('VAULTROOM_'))
          .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
      );
      const expected = siteFile('').cluster.databaseUrl;
      expect(fromShell['VAULTROOM_DATABASE_URL']).toBe(expected);
      expect(fromShell).toEqual(readEnvFile(file));
      // systemd's own parser, as its environment.d generator uses it, on a copy of the file.
      const generator =
        '/usr/lib/systemd/user-environment-generators/30-systemd-environment-d-generator';
      if (!fs.existsSync(generator)) return;
      const conf = path.join(work, 'environment.d');
      fs.mkdirSync(conf, { recursive: true });
      fs.copyFileSync(file, path.join(conf, '50-relay.conf'));
      const systemd = await must('unshare', [
        '-m',
        'sh',
        '-c',
        `mount --bind ${conf} /etc/environment.d && exec env -i ${generator}`,
      ]);
      expect(systemd.stdout.split('\n')).toContain(`VAULTROOM_DATABASE_URL="${expected}"`);
    });

    it('BIND loads the zones with the node names (named-checkconf -z)', async () => {
      const root = path.join(out, 'front');
      fs.writeFileSync(
        path.join(root, 'etc/bind/named.conf'),
        'include "/etc/bind/named.conf.options";\ninclude "/etc/bind/named.conf.local";\n',
      );
      fs.mkdirSync(path.join(root, 'var/cache/bind'), { recursive: true });
      const checked = await must('named-checkconf', ['-t', root, '-z', '/etc/bind/named.conf']);
      expect(checked.stdout).toMatch(new RegExp(`zone ${DOMAIN}/IN: loaded serial \\d+`));
      const zone = fs.readFileSync(path.join(root, `etc/bind/vaultroom/db.${DOMAIN}`), 'utf8');
      expect(zone).toContain(`relay2\tIN\tA\t${NODES[1].ipv4}`);
    });
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
