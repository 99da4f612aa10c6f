import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killAllDaemons, must, run, startDaemon, until, type Daemon } from './opsProcesses.js';
import { CLI, runCli } from './relayProcess.js';

/*
 * Every rendered file of a site, checked by the tool that consumes it, then run live: BIND, Kea,
 * isc-dhcp-server, nftables and the relay itself in a server network namespace, and dig, dhclient
 * and an HTTPS client in a client namespace joined to it by a veth pair. Nothing leaves the two
 * namespaces. Needs root and the Debian packages CI installs (bind9, bind9-dnsutils,
 * kea-dhcp4-server, isc-dhcp-server, isc-dhcp-client, nftables, avahi-utils, systemd, iproute2).
 */

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const tag = `${process.pid % 100000}`;
const SERVER_NS = `vr-ops-srv-${tag}`;
const CLIENT_NS = `vr-ops-cli-${tag}`;
const SERVER_IF = `vrs${tag}`;
const CLIENT_IF = `vrc${tag}`;
const RELAY_V4 = '10.231.0.1';
const RELAY_V6 = 'fd00:7661:756c:e7::1';
const CLIENT_V4 = '10.231.0.50';
const DOMAIN = 'vaultroom.home.arpa';
const MDNS = 'vaultroom.local';

const inServer = (command: string, ...args: string[]) => [
  'netns',
  'exec',
  SERVER_NS,
  command,
  ...args,
];
const inClient = (command: string, ...args: string[]) => [
  'netns',
  'exec',
  CLIENT_NS,
  command,
  ...args,
];

/** A Node.js one-off inside a namespace; its last stdout line is JSON. */
async function nodeIn(ns: string, script: string, ...args: string[]): Promise<unknown> {
  const result = await must(
    'ip',
    ['netns', 'exec', ns, process.execPath, '-e', script, ...args],
    20_000,
  );
  return JSON.parse(result.stdout.trim().split('\n').at(-1) ?? 'null');
}

/** Tries TCP connections to host:port, all at once; counts those that connected in time. */
const CONNECT_SCRIPT = `
const net = require('node:net');
const [host, port, count, timeoutMs] = process.argv.slice(1);
const attempts = Array.from({ length: Number(count) }, () => new Promise((resolve) => {
  const socket = net.connect({ host, port: Number(port) });
  const done = (outcome) => { clearTimeout(timer); socket.destroy(); resolve(outcome); };
  const timer = setTimeout(() => done('timeout'), Number(timeoutMs));
  socket.once('connect', () => done('connected'));
  socket.once('error', (error) => done(error.code));
}));
Promise.all(attempts).then((outcomes) => {
  const tally = {};
  for (const outcome of outcomes) tally[outcome] = (tally[outcome] ?? 0) + 1;
  console.log(JSON.stringify(tally));
});
`;

/** GET over HTTPS to an address, verifying the certificate for a name against a CA. */
const HTTPS_SCRIPT = `
const https = require('node:https');
const [address, name, port, requestPath, ca] = process.argv.slice(1);
const request = https.get({ host: address, servername: name, port: Number(port), path: requestPath,
  headers: { host: Number(port) === 443 ? name : name + ':' + port }, ca, timeout: 5000 }, (response) => {
  const cert = response.socket.getPeerCertificate();
  let body = '';
  response.on('data', (chunk) => (body += chunk));
  response.on('end', () => console.log(JSON.stringify({ status: response.statusCode,
    location: response.headers.location ?? null, san: cert.subjectaltname, body })));
});
request.on('timeout', () => request.destroy(new Error('timeout')));
request.on('error', (error) => console.log(JSON.stringify({ error: error.message })));
`;

/** A plain-HTTP GET; reports the status and the redirect target. */
const HTTP_SCRIPT = `
const http = require('node:http');
const [address, name, port, requestPath] = process.argv.slice(1);
const request = http.get({ host: address, port: Number(port), path: requestPath,
  headers: { host: name }, timeout: 5000 }, (response) => {
  response.resume();
  console.log(JSON.stringify({ status: response.statusCode, location: response.headers.location }));
});
request.on('timeout', () => request.destroy(new Error('timeout')));
request.on('error', (error) => console.log(JSON.stringify({ error: error.message })));
`;

describe('the rendered site, checked by each daemon and run live in network namespaces', () => {
  let work = '';
  let out = '';
  let dataDir = '';
  let relayEnv: Record<string, string> = {};
  const running: Daemon[] = [];

  beforeAll(async () => {
    if (process.getuid?.() !== 0) {
      throw new Error('the ops tests create network namespaces and run daemons: run them as root');
    }
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'vaultroom-ops-'));
    out = path.join(work, 'root');
    dataDir = path.join(work, 'data');
    const site = {
      domain: DOMAIN,
      relay: { mdnsName: MDNS, ipv4: RELAY_V4, ipv6: RELAY_V6 },
      network: {
        interface: SERVER_IF,
        subnet: '10.231.0.0/24',
        ipv6Prefix: 'fd00:7661:756c:e7::/64',
        router: '10.231.0.254',
        dhcpRange: { first: '10.231.0.100', last: '10.231.0.150' },
      },
      dns: { forwarders: ['192.0.2.53'] },
      service: { installDir: REPO.replace(/\/$/, ''), node: process.execPath },
      // Lease files go to the test's directory; every other path is the production one.
      paths: { keaLeaseFile: path.join(work, 'kea-leases4.csv') },
    };
    fs.writeFileSync(path.join(work, 'site.json'), JSON.stringify(site));
    const rendered = await runCli(['site', 'render', path.join(work, 'site.json'), out]);
    if (rendered.code !== 0) throw new Error(`render failed: ${rendered.stderr}`);
    relayEnv = Object.fromEntries(
      fs
        .readFileSync(path.join(out, 'etc/vaultroom/relay.env'), 'utf8')
        .split('\n')
        .filter((line) => /^[A-Z_]+=/.test(line))
        .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
    );

    // Two namespaces joined by a veth pair: the server side carries the site's addresses.
    await must('ip', ['netns', 'add', SERVER_NS]);
    await must('ip', ['netns', 'add', CLIENT_NS]);
    await must('ip', [
      'link',
      'add',
      SERVER_IF,
      'netns',
      SERVER_NS,
      'type',
      'veth',
      'peer',
      'name',
      CLIENT_IF,
      'netns',
      CLIENT_NS,
    ]);
    await must('ip', ['-n', SERVER_NS, 'addr', 'add', `${RELAY_V4}/24`, 'dev', SERVER_IF]);
    await must('ip', ['-n', SERVER_NS, 'addr', 'add', `${RELAY_V6}/64`, 'dev', SERVER_IF, 'nodad']);
    await must('ip', ['-n', CLIENT_NS, 'addr', 'add', `${CLIENT_V4}/24`, 'dev', CLIENT_IF]);
    for (const [ns, dev] of [
      [SERVER_NS, SERVER_IF],
      [CLIENT_NS, CLIENT_IF],
    ] as const) {
      await must('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
      await must('ip', ['-n', ns, 'link', 'set', dev, 'up']);
    }
  });

  afterAll(async () => {
    await Promise.all(running.map((daemon) => daemon.stop()));
    killAllDaemons();
    await run('ip', ['netns', 'del', SERVER_NS]);
    await run('ip', ['netns', 'del', CLIENT_NS]);
    if (work !== '') fs.rmSync(work, { recursive: true, force: true });
  });

  describe('static checks', () => {
    it('BIND accepts the configuration and loads every zone (named-checkconf -z, named-checkzone)', async () => {
      // Debian's named.conf includes the options and local files; the rendered tree is the root.
      fs.writeFileSync(
        path.join(out, 'etc/bind/named.conf'),
        'include "/etc/bind/named.conf.options";\ninclude "/etc/bind/named.conf.local";\n',
      );
      fs.mkdirSync(path.join(out, 'var/cache/bind'), { recursive: true });
      const checked = await must('named-checkconf', ['-t', out, '-z', '/etc/bind/named.conf']);
      expect(checked.stdout).toMatch(new RegExp(`zone ${DOMAIN}/IN: loaded serial \\d+`));
      expect(checked.stdout).toContain('zone 0.231.10.in-addr.arpa/IN: loaded serial');
      expect(checked.stdout).toMatch(/zone [0-9a-f.]+\.ip6\.arpa\/IN: loaded serial/);

      const zones = fs.readdirSync(path.join(out, 'etc/bind/vaultroom'));
      expect(zones).toHaveLength(3);
      for (const zoneFile of zones) {
        const zone = zoneFile.replace(/^db\./, '');
        const result = await must('named-checkzone', [
          '-k',
          'fail',
          '-n',
          'fail',
          zone,
          path.join(out, 'etc/bind/vaultroom', zoneFile),
        ]);
        expect(result.stdout).toMatch(/OK/);
      }
    });

    it('Kea accepts its configuration (kea-dhcp4 -t)', async () => {
      // Kea checks that the interface exists, so the check runs where the interface is.
      const result = await run(
        'ip',
        inServer('kea-dhcp4', '-t', path.join(out, 'etc/kea/kea-dhcp4.conf')),
      );
      expect(result.stderr + result.stdout).not.toMatch(/ERROR|syntax error/);
      expect(result.code).toBe(0);
    });

    it('isc-dhcp-server accepts its configuration (dhcpd -t -cf)', async () => {
      const result = await run('dhcpd', ['-t', '-cf', path.join(out, 'etc/dhcp/dhcpd.conf')]);
      expect(result.code, result.stderr).toBe(0);
    });

    it('nftables accepts the ruleset (nft -c -f, in a fresh network namespace)', async () => {
      const result = await run('unshare', [
        '-n',
        'nft',
        '-c',
        '-f',
        path.join(out, 'etc/vaultroom/vaultroom.nft'),
      ]);
      expect(result.code, result.stderr).toBe(0);
    });

    it('systemd accepts the unit and rates its exposure low (verify, security --offline)', async () => {
      const unit = path.join(out, 'etc/systemd/system/vaultroom.service');
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
      console.log(`systemd-analyze security exposure: ${exposure?.[1] ?? '?'}`);
      expect(Number(exposure?.[1])).toBeLessThanOrEqual(2);
    });

    it('the relay certificate carries both names (vaultroom certs with the rendered environment)', async () => {
      const certs = await runCli(['certs', '--data-dir', dataDir], {
        VAULTROOM_HOSTNAME: relayEnv['VAULTROOM_HOSTNAME'] ?? '',
        VAULTROOM_ALT_HOSTNAMES: relayEnv['VAULTROOM_ALT_HOSTNAMES'] ?? '',
      });
      expect(certs.code, certs.stderr).toBe(0);
      const cert = new (await import('node:crypto')).X509Certificate(
        fs.readFileSync(path.join(dataDir, 'tls/server.pem')),
      );
      expect(cert.subjectAltName).toContain(`DNS:${DOMAIN}`);
      expect(cert.subjectAltName).toContain(`DNS:${MDNS}`);
    });
  });

  describe('live', () => {
    it('named serves the zone: A, AAAA and PTR answers for the relay, to the client namespace', async () => {
      fs.mkdirSync(path.join(out, 'run/named'), { recursive: true });
      // -t: BIND reads the rendered tree as its root, production paths unchanged.
      const named = startDaemon(
        'ip',
        inServer('named', '-g', '-t', out, '-c', '/etc/bind/named.conf'),
      );
      running.push(named);
      const dig = (...query: string[]) =>
        run('ip', inClient('dig', '+short', '+time=1', '+tries=1', `@${RELAY_V4}`, ...query));
      const address = await until(
        async () => {
          const answer = await dig(DOMAIN, 'A');
          return answer.code === 0 && answer.stdout.trim() !== '' ? answer.stdout.trim() : null;
        },
        15_000,
        () => `named to answer; its output: ${named.output()}`,
      );
      expect(address).toBe(RELAY_V4);
      expect((await dig(DOMAIN, 'AAAA')).stdout.trim()).toBe(RELAY_V6);
      expect((await dig('-x', RELAY_V4)).stdout.trim()).toBe(`${DOMAIN}.`);
      expect((await dig('-x', RELAY_V6)).stdout.trim()).toBe(`${DOMAIN}.`);
      // Queries are answered for the LAN only: a client from another network is refused.
      await must('ip', ['-n', CLIENT_NS, 'addr', 'add', '10.232.0.50/32', 'dev', CLIENT_IF]);
      await must('ip', ['-n', SERVER_NS, 'route', 'add', '10.232.0.50/32', 'dev', SERVER_IF]);
      const outside = await run(
        'ip',
        inClient('dig', '+time=1', '+tries=1', '-b', '10.232.0.50', `@${RELAY_V4}`, DOMAIN, 'A'),
      );
      expect(outside.stdout).toContain('status: REFUSED');
    });

    it('Avahi publishes the mDNS name and the HTTPS service (legacy unicast query from the client)', async () => {
      // Avahi reads fixed paths: a private mount namespace puts the rendered files there.
      const avahi = startDaemon(
        'ip',
        inServer(
          'unshare',
          '-m',
          'sh',
          '-c',
          `mount --bind ${path.join(out, 'etc/avahi')} /etc/avahi && mkdir -p /run/avahi-daemon && ` +
            'mount -t tmpfs tmpfs /run/avahi-daemon && ' +
            'exec avahi-daemon --no-chroot --no-drop-root --no-rlimits',
        ),
      );
      running.push(avahi);
      await until(
        () => Promise.resolve(avahi.output().includes('Server startup complete') ? true : null),
        10_000,
        () => `Avahi to start; its output: ${avahi.output()}`,
      );
      // RFC 6762 §6.7: a query from a port other than 5353 gets a unicast answer, dig can read it.
      const mdns = (...query: string[]) =>
        run('ip', inClient('dig', '+time=1', '+tries=2', '-p', '5353', `@${RELAY_V4}`, ...query));
      const address = await until(
        async () => {
          const answer = await mdns('+short', MDNS, 'A');
          return answer.stdout.trim() === '' ? null : answer.stdout.trim();
        },
        10_000,
        () => `an mDNS answer; Avahi said: ${avahi.output()}`,
      );
      expect(address).toBe(RELAY_V4);
      expect((await mdns('+short', MDNS, 'AAAA')).stdout.split('\n')).toContain(RELAY_V6);
      // Avahi does not repeat a record it sent within the last second: ask again until it does.
      const answer = (...query: string[]) =>
        until(
          async () => {
            const reply = await mdns('+short', ...query);
            const text = reply.stdout.trim();
            return reply.code === 0 && text !== '' && !text.startsWith(';;') ? text : null;
          },
          5000,
          () => `an mDNS answer to ${query.join(' ')}`,
        );
      // +short lists the additional records (the host's addresses) after the answer.
      expect((await answer('VaultRoom._https._tcp.local', 'SRV')).split('\n')).toContain(
        `0 0 443 ${MDNS}.`,
      );
      expect((await answer('_https._tcp.local', 'PTR')).split('\n')).toContain(
        'VaultRoom._https._tcp.local.',
      );
      expect(avahi.output()).not.toMatch(/collision/i);
      await avahi.stop();
    });

    /** Runs dhclient once in the client namespace; resolves with the options of its lease. */
    async function leaseFromServer(): Promise<Record<string, string>> {
      const script = path.join(work, 'dhclient-script');
      const leaseDump = path.join(work, `lease-${Date.now()}.env`);
      // Records the lease instead of configuring the system (Debian's script rewrites resolv.conf).
      fs.writeFileSync(
        script,
        `#!/bin/sh\nif [ "$reason" = BOUND ]; then env > ${leaseDump}.tmp && mv ${leaseDump}.tmp ${leaseDump}; fi\nexit 0\n`,
        { mode: 0o755 },
      );
      const client = startDaemon(
        'ip',
        inClient(
          'dhclient',
          '-d',
          '-1',
          '-v',
          '-sf',
          script,
          '-lf',
          path.join(work, `dhclient-${Date.now()}.leases`),
          '-pf',
          path.join(work, 'dhclient.pid'),
          CLIENT_IF,
        ),
      );
      try {
        await until(
          () => Promise.resolve(fs.existsSync(leaseDump) ? true : null),
          20_000,
          () => `a lease; dhclient said: ${client.output()}`,
        );
      } finally {
        await client.stop();
      }
      return Object.fromEntries(
        fs
          .readFileSync(leaseDump, 'utf8')
          .split('\n')
          .filter((line) => line.includes('='))
          .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
      );
    }

    function expectSiteLease(lease: Record<string, string>) {
      expect(lease['new_domain_name']).toBe(DOMAIN);
      expect(lease['new_domain_name_servers']).toBe(RELAY_V4);
      expect(lease['new_routers']).toBe('10.231.0.254');
      const last = Number(lease['new_ip_address']?.split('.')[3]);
      expect(lease['new_ip_address']).toMatch(/^10\.231\.0\.\d+$/);
      expect(last).toBeGreaterThanOrEqual(100);
      expect(last).toBeLessThanOrEqual(150);
    }

    it('Kea hands the client namespace a lease with the site DNS server and domain', async () => {
      const kea = startDaemon(
        'ip',
        inServer('kea-dhcp4', '-c', path.join(out, 'etc/kea/kea-dhcp4.conf')),
        {
          KEA_PIDFILE_DIR: work,
          KEA_LOCKFILE_DIR: 'none',
        },
      );
      try {
        await until(
          () =>
            Promise.resolve(
              /DHCP4_STARTED|DHCPSRV_CFGMGR_NEW_SUBNET4/.test(kea.output()) ? true : null,
            ),
          10_000,
          () => `Kea to start; its output: ${kea.output()}`,
        );
        expectSiteLease(await leaseFromServer());
        expect(fs.readFileSync(path.join(work, 'kea-leases4.csv'), 'utf8')).toMatch(
          /10\.231\.0\.1[0-5]\d,/,
        );
      } finally {
        await kea.stop();
      }
    });

    it('isc-dhcp-server hands out the same DNS server and domain', async () => {
      const leases = path.join(work, 'dhcpd.leases');
      fs.writeFileSync(leases, '');
      const dhcpd = startDaemon(
        'ip',
        inServer(
          'dhcpd',
          '-f',
          '-d',
          '-4',
          '-cf',
          path.join(out, 'etc/dhcp/dhcpd.conf'),
          '-lf',
          leases,
          '-pf',
          path.join(work, 'dhcpd.pid'),
          SERVER_IF,
        ),
      );
      try {
        await until(
          () => Promise.resolve(dhcpd.output().includes('Listening on LPF') ? true : null),
          10_000,
          () => `dhcpd to start; its output: ${dhcpd.output()}`,
        );
        expectSiteLease(await leaseFromServer());
      } finally {
        await dhcpd.stop();
      }
    });

    it('with the ruleset loaded, the relay is reachable by name on 443 and a closed port is not', async () => {
      await must('ip', inServer('nft', '-f', path.join(out, 'etc/vaultroom/vaultroom.nft')));
      const listed = await must('ip', inServer('nft', 'list', 'table', 'inet', 'vaultroom'));
      expect(listed.stdout).toContain('policy drop');

      // The relay as the service unit starts it: the rendered environment, its own data directory.
      const relay = startDaemon(
        'ip',
        inServer(process.execPath, CLI, 'serve', '--data-dir', dataDir),
        {
          ...relayEnv,
          VAULTROOM_LOG_LEVEL: 'info',
        },
      );
      running.push(relay);
      // Something listening on a port the ruleset does not open.
      const closed = startDaemon(
        'ip',
        inServer(
          process.execPath,
          '-e',
          "require('node:net').createServer((s) => s.end()).listen(9999)",
        ),
      );
      running.push(closed);
      await until(
        () => Promise.resolve(relay.output().includes('relay listening') ? true : null),
        20_000,
        () => `the relay to listen; its output: ${relay.output()}`,
      );

      // The client resolves the relay's name through the site's DNS (named from the test above).
      const dig = await must(
        'ip',
        inClient('dig', '+short', '+time=1', '+tries=2', `@${RELAY_V4}`, DOMAIN, 'A'),
      );
      const address = dig.stdout.trim();
      expect(address).toBe(RELAY_V4);
      const ca = fs.readFileSync(path.join(dataDir, 'tls/ca.pem'), 'utf8');
      const health = (await nodeIn(
        CLIENT_NS,
        HTTPS_SCRIPT,
        address,
        DOMAIN,
        '443',
        '/healthz',
        ca,
      )) as {
        status?: number;
        san?: string;
        error?: string;
      };
      expect(health.error).toBeUndefined();
      expect(health.status).toBe(200);
      expect(health.san).toContain(`DNS:${DOMAIN}`);
      expect(health.san).toContain(`DNS:${MDNS}`);

      // Plain HTTP on port 80 (redirected to the relay's 8080) sends browsers to the public origin.
      const redirect = (await nodeIn(
        CLIENT_NS,
        HTTP_SCRIPT,
        address,
        DOMAIN,
        '80',
        '/healthz',
      )) as {
        status?: number;
        location?: string;
      };
      expect(redirect).toEqual({ status: 308, location: `https://${DOMAIN}/healthz` });

      // Allowed but closed (SSH) is refused at once; not allowed is dropped: the connect times out.
      expect(await nodeIn(CLIENT_NS, CONNECT_SCRIPT, RELAY_V4, '22', '1', '1500')).toEqual({
        ECONNREFUSED: 1,
      });
      expect(await nodeIn(CLIENT_NS, CONNECT_SCRIPT, RELAY_V4, '9999', '1', '1500')).toEqual({
        timeout: 1,
      });
      // ...though the port is open inside the server.
      expect(await nodeIn(SERVER_NS, CONNECT_SCRIPT, '127.0.0.1', '9999', '1', '1500')).toEqual({
        connected: 1,
      });
    }, 60_000);

    it('rate-limits new connections to the relay per source address', async () => {
      // 25 per second with a burst of 50: of 150 simultaneous connects, about 50 get through.
      const tally = (await nodeIn(
        CLIENT_NS,
        CONNECT_SCRIPT,
        RELAY_V4,
        '8443',
        '150',
        '700',
      )) as Record<string, number>;
      const connected = tally['connected'] ?? 0;
      expect(connected).toBeGreaterThan(0);
      expect(connected).toBeLessThanOrEqual(60);
      expect(tally['timeout'] ?? 0).toBeGreaterThanOrEqual(90);
    });
  });
});
