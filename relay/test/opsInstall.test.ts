import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './relayProcess.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, '');
const INSTALL = path.join(REPO, 'ops/install.sh');

function install(
  args: string[],
  destdir: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      'bash',
      [INSTALL, ...args],
      { env: { ...process.env, DESTDIR: destdir }, timeout: 60_000, killSignal: 'SIGKILL' },
      (error, stdout, stderr) => {
        resolve({ code: error === null ? 0 : Number(error.code ?? 1), stdout, stderr });
      },
    );
  });
}

describe('ops/install.sh into a staging root (DESTDIR)', () => {
  let work = '';
  let rendered = '';

  beforeAll(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'vaultroom-install-'));
    rendered = path.join(work, 'rendered');
    const site = {
      relay: { ipv4: '192.168.77.2' },
      network: {
        interface: 'eth0',
        subnet: '192.168.77.0/24',
        router: '192.168.77.1',
        dhcpRange: { first: '192.168.77.100', last: '192.168.77.200' },
      },
      service: { installDir: REPO, node: process.execPath },
    };
    fs.writeFileSync(path.join(work, 'site.json'), JSON.stringify(site));
    const result = await runCli(['site', 'render', path.join(work, 'site.json'), rendered]);
    if (result.code !== 0) throw new Error(`render failed: ${result.stderr}`);
  });

  afterAll(() => {
    if (work !== '') fs.rmSync(work, { recursive: true, force: true });
  });

  it('installs every file, the data directory and certificates for both names', async () => {
    const root = path.join(work, 'root');
    fs.mkdirSync(path.join(root, 'etc'), { recursive: true });
    fs.writeFileSync(path.join(root, 'etc/nftables.conf'), '#!/usr/sbin/nft -f\nflush ruleset\n');
    const result = await install([rendered], root);
    expect(result.code, result.stderr).toBe(0);

    for (const file of [
      'etc/vaultroom/relay.env',
      'etc/systemd/system/vaultroom.service',
      'etc/bind/named.conf.options',
      'etc/bind/named.conf.local',
      'etc/bind/vaultroom/db.vaultroom.home.arpa',
      'etc/bind/vaultroom/db.77.168.192.in-addr.arpa',
      'etc/avahi/avahi-daemon.conf',
      'etc/avahi/services/vaultroom.service',
      'etc/kea/kea-dhcp4.conf',
      'etc/vaultroom/vaultroom.nft',
      'usr/local/bin/vaultroom',
    ]) {
      expect(fs.readFileSync(path.join(root, file), 'utf8')).toBe(
        fs.readFileSync(path.join(rendered, file), 'utf8'),
      );
    }
    expect(fs.statSync(path.join(root, 'usr/local/bin/vaultroom')).mode & 0o777).toBe(0o755);
    expect(fs.statSync(path.join(root, 'etc/vaultroom/relay.env')).mode & 0o777).toBe(0o640);
    const syntax = await new Promise<number>((resolve) => {
      execFile('sh', ['-n', path.join(root, 'usr/local/bin/vaultroom')], (error) => {
        resolve(error === null ? 0 : 1);
      });
    });
    expect(syntax).toBe(0);
    // Kea is the default: the end-of-life isc-dhcp-server files are left out.
    expect(fs.existsSync(path.join(root, 'etc/dhcp/dhcpd.conf'))).toBe(false);
    expect(fs.readFileSync(path.join(root, 'etc/nftables.conf'), 'utf8')).toContain(
      'flush ruleset\n\n# VaultRoom relay firewall (ops/install.sh)\ninclude "/etc/vaultroom/vaultroom.nft"\n',
    );

    const dataDir = path.join(root, 'var/lib/vaultroom');
    expect(fs.statSync(dataDir).mode & 0o777).toBe(0o700);
    expect(fs.statSync(path.join(dataDir, 'tls/ca-key.pem')).mode & 0o777).toBe(0o600);
    const cert = new X509Certificate(fs.readFileSync(path.join(dataDir, 'tls/server.pem')));
    expect(cert.subjectAltName).toContain('DNS:vaultroom.home.arpa');
    expect(cert.subjectAltName).toContain('DNS:vaultroom.local');
    const ca = fs.readFileSync(path.join(dataDir, 'tls/ca.pem'), 'utf8');

    // A second run changes nothing that devices trust: same CA, one include line.
    const again = await install([rendered], root);
    expect(again.code, again.stderr).toBe(0);
    expect(fs.readFileSync(path.join(dataDir, 'tls/ca.pem'), 'utf8')).toBe(ca);
    const main = fs.readFileSync(path.join(root, 'etc/nftables.conf'), 'utf8');
    expect(main.match(/include "\/etc\/vaultroom\/vaultroom\.nft"/g)).toHaveLength(1);
  });

  it('installs isc-dhcp-server instead of Kea on request, keeping a replaced file', async () => {
    const root = path.join(work, 'root-isc');
    fs.mkdirSync(path.join(root, 'etc/dhcp'), { recursive: true });
    fs.writeFileSync(path.join(root, 'etc/dhcp/dhcpd.conf'), '# the old configuration\n');
    const result = await install(
      [rendered, '--dhcp', 'isc', '--no-dns', '--no-mdns', '--no-firewall'],
      root,
    );
    expect(result.code, result.stderr).toBe(0);
    expect(fs.readFileSync(path.join(root, 'etc/dhcp/dhcpd.conf'), 'utf8')).toContain(
      'option domain-name "vaultroom.home.arpa";',
    );
    expect(fs.readFileSync(path.join(root, 'etc/dhcp/dhcpd.conf.vaultroom-orig'), 'utf8')).toBe(
      '# the old configuration\n',
    );
    expect(fs.existsSync(path.join(root, 'etc/default/isc-dhcp-server'))).toBe(true);
    expect(fs.existsSync(path.join(root, 'etc/kea'))).toBe(false);
    expect(fs.existsSync(path.join(root, 'etc/bind'))).toBe(false);
  });

  it('refuses a directory that holds no rendered site, and bad options', async () => {
    const root = path.join(work, 'root-bad');
    fs.mkdirSync(root);
    const missing = await install([path.join(work, 'nothing')], root);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/holds no rendered site: run 'vaultroom site render/);
    const bad = await install([rendered, '--dhcp', 'dnsmasq'], root);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^usage:/);
  });
});
