import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli } from './relayProcess.js';

/** The site of several relays the cluster ops tests render: a front and two nodes. */

export const REPO = fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, '');
export const DOMAIN = 'vaultroom.home.arpa';
export const FRONT = '10.233.0.1';
export const NODES = [
  { name: 'relay1', ipv4: '10.233.0.2', port: 9443 },
  { name: 'relay2', ipv4: '10.233.0.3', port: 9444 },
] as const;
export const DATABASE_URL =
  'postgres://vaultroom@10.233.0.20/vaultroom?sslmode=require&target_session_attrs=read-write';

/** The site file, its LAN on `networkInterface`, HAProxy checking the nodes against `caFile`. */
export function clusterSite(networkInterface: string, caFile: string) {
  return {
    domain: DOMAIN,
    relay: { ipv4: FRONT },
    network: {
      interface: networkInterface,
      subnet: '10.233.0.0/24',
      router: '10.233.0.254',
      dhcpRange: { first: '10.233.0.100', last: '10.233.0.150' },
    },
    service: { installDir: REPO, node: process.execPath },
    cluster: {
      nodes: NODES,
      databaseUrl: DATABASE_URL,
      secretsEnvFile: '/etc/vaultroom/secrets.env',
      natsUrl: 'nats://10.233.0.20:4222',
      caFile,
      // HAProxy needs about two descriptors a connection; this machine's hard limit is lower
      // than the default 20000 connections ask for (a Debian server's is 524288).
      maxConnections: 4000,
    },
  };
}

/** Writes the site file beside `into` and renders it there with the command-line tool. */
export async function renderSite(site: unknown, into: string): Promise<void> {
  const file = `${into}.json`;
  fs.writeFileSync(file, JSON.stringify(site));
  const rendered = await runCli(['site', 'render', file, into]);
  if (rendered.code !== 0) throw new Error(`render failed: ${rendered.stderr}`);
}

/**
 * One certificate for every node, as the runbook says: made in the first data directory, its
 * tls/ folder copied to the others. Returns the CA certificate's path.
 */
export async function shareCertificates(dataDirs: readonly string[]): Promise<string> {
  const [first, ...others] = dataDirs;
  if (first === undefined) throw new Error('no data directory');
  const certs = await runCli(['certs', '--data-dir', first], {
    VAULTROOM_HOSTNAME: DOMAIN,
    VAULTROOM_ALT_HOSTNAMES: 'vaultroom.local',
  });
  if (certs.code !== 0) throw new Error(`certs failed: ${certs.stderr}`);
  for (const dir of others) {
    fs.cpSync(path.join(first, 'tls'), path.join(dir, 'tls'), { recursive: true });
  }
  return path.join(first, 'tls/ca.pem');
}

export const haproxyConfig = (root: string) => path.join(root, 'front/etc/haproxy/haproxy.cfg');
