import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  clusterSite,
  DATABASE_URL,
  DOMAIN,
  FRONT,
  haproxyConfig,
  NODES,
  renderSite,
  shareCertificates,
} from './opsClusterSite.js';
import { installed, must, readEnvFile, run } from './opsProcesses.js';
import { runCli } from './relayProcess.js';

/*
 * The rendered files of a site of several relays, each checked by the program that reads it:
 * HAProxy's configuration by `haproxy -c`, each node's unit by systemd, its settings by sh and by
 * systemd's own parser, the zones by BIND. Needs root, haproxy, systemd and bind9 (CI installs
 * them); the HAProxy check is skipped where haproxy is absent.
 */

describe('the rendered files of a site of several relays', () => {
  let work = '';
  let out = '';
  const nodeFile = (name: string, file: string) => path.join(out, 'nodes', name, file);

  beforeAll(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'vaultroom-cluster-files-'));
    out = path.join(work, 'site');
    const ca = await shareCertificates([path.join(work, 'data')]);
    await renderSite(clusterSite('eth0', ca), out);
  });

  afterAll(() => {
    if (work !== '') fs.rmSync(work, { recursive: true, force: true });
  });

  it('site check names the front and every node, and refuses a password in one line', async () => {
    const checked = await runCli(['site', 'check', `${out}.json`]);
    expect(checked.code, checked.stderr).toBe(0);
    expect(checked.stdout).toContain(
      'a load balancer in front of 2 relay nodes: relay1 (10.233.0.2), relay2 (10.233.0.3).',
    );
    const withPassword = clusterSite('eth0', '/etc/haproxy/vaultroom-ca.pem');
    const file = path.join(work, 'with-password.json');
    fs.writeFileSync(
      file,
      JSON.stringify({
        ...withPassword,
        cluster: { ...withPassword.cluster, databaseUrl: 'postgres://vaultroom:hunter2@db/x' },
      }),
    );
    const refused = await runCli(['site', 'check', file]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/cluster\.databaseUrl must not hold a password/);
    expect(refused.stderr + refused.stdout).not.toContain('hunter2');
  });

  it.skipIf(!installed('haproxy'))('HAProxy accepts its configuration (haproxy -c)', async () => {
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
    const expected = DATABASE_URL;
    expect(fromShell['VAULTROOM_DATABASE_URL']).toBe(expected);
    // HAProxy's `source`: the node lifts its per-address ceremony limit for that address only.
    expect(fromShell['VAULTROOM_FRONT_ADDRESS']).toBe(FRONT);
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
