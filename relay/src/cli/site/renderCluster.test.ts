import { describe, expect, it } from 'vitest';
import { renderSite } from './renderSite.js';
import { parseSiteConfig } from './siteConfig.js';

const site = parseSiteConfig({
  domain: 'lab.home.arpa',
  relay: { hostname: 'chat.lab.home.arpa', ipv4: '10.20.0.2', ipv6: 'fd00:1:2:3::2' },
  network: {
    interface: 'lan0',
    subnet: '10.20.0.0/24',
    ipv6Prefix: 'fd00:1:2:3::/64',
    router: '10.20.0.1',
    dhcpRange: { first: '10.20.0.100', last: '10.20.0.200' },
  },
  cluster: {
    nodes: [
      { name: 'relay1', ipv4: '10.20.0.11' },
      { name: 'relay2', ipv4: '10.20.0.12', port: 9443 },
    ],
    databaseUrl: 'postgres://vaultroom@10.20.0.20/vaultroom?sslmode=require&application_name=vr',
    secretsEnvFile: '/etc/vaultroom/secrets.env',
    natsUrl: 'nats://10.20.0.20:4222',
  },
});
const rendered = renderSite(site, new Date('2026-12-05T12:00:00Z'));
const files = new Map(rendered.map((file) => [file.path, file]));
const file = (name: string) => {
  const found = files.get(name);
  if (found === undefined) throw new Error(`${name} was not rendered`);
  return found;
};
const lines = (name: string) => file(name).content.split('\n');

describe('renderSite for several relays', () => {
  it('renders one tree per machine: the front, and each node', () => {
    expect([...files.keys()].filter((name) => !name.startsWith('front/etc/bind/'))).toEqual([
      'front/etc/haproxy/haproxy.cfg',
      'front/etc/avahi/avahi-daemon.conf',
      'front/etc/avahi/services/vaultroom.service',
      'front/etc/kea/kea-dhcp4.conf',
      'front/etc/dhcp/dhcpd.conf',
      'front/etc/default/isc-dhcp-server',
      'front/etc/vaultroom/vaultroom.nft',
      'nodes/relay1/etc/vaultroom/relay.env',
      'nodes/relay1/etc/systemd/system/vaultroom.service',
      'nodes/relay1/usr/local/bin/vaultroom',
      'nodes/relay1/etc/vaultroom/vaultroom.nft',
      'nodes/relay2/etc/vaultroom/relay.env',
      'nodes/relay2/etc/systemd/system/vaultroom.service',
      'nodes/relay2/usr/local/bin/vaultroom',
      'nodes/relay2/etc/vaultroom/vaultroom.nft',
    ]);
  });

  it('passes TLS through to every node, least connections first, checked on /healthz over TLS', () => {
    const haproxy = lines('front/etc/haproxy/haproxy.cfg').map((line) => line.trim());
    for (const expected of [
      'mode tcp',
      'bind 10.20.0.2:8443',
      'bind [fd00:1:2:3::2]:8443',
      'balance leastconn',
      'source 10.20.0.2',
      'timeout tunnel 1h',
      'option httpchk',
      'http-check send meth GET uri /healthz ver HTTP/1.1 hdr Host chat.lab.home.arpa',
      'http-check expect status 200',
      'server relay1 10.20.0.11:8443',
      'server relay2 10.20.0.12:9443',
      'bind 10.20.0.2:8080',
      'http-request redirect prefix https://chat.lab.home.arpa code 308',
    ]) {
      expect(haproxy).toContain(expected);
    }
    const checks = haproxy.find((line) => line.startsWith('default-server'));
    expect(checks).toContain('check-ssl check-sni chat.lab.home.arpa');
    expect(checks).toContain(
      'verify required ca-file /etc/haproxy/vaultroom-ca.pem verifyhost chat.lab.home.arpa',
    );
    expect(checks).toContain('on-marked-down shutdown-sessions');
    // Pass-through: HAProxy holds no certificate of its own and never decrypts.
    expect(haproxy.some((line) => / ssl( |$)|crt /.test(line))).toBe(false);
  });

  it('gives each node the site names, its own port, no plain-HTTP port and the shared engines', () => {
    const env = file('nodes/relay2/etc/vaultroom/relay.env');
    expect(env.mode).toBe(0o600);
    const settings = env.content.split('\n');
    for (const expected of [
      'VAULTROOM_HOSTNAME=chat.lab.home.arpa',
      'VAULTROOM_ALT_HOSTNAMES=vaultroom.local',
      'VAULTROOM_PORT=9443',
      'VAULTROOM_HTTP_PORT=0',
      'VAULTROOM_PUBLIC_PORT=443',
      // HAProxy's `source`: the address every client reaches the node from.
      'VAULTROOM_FRONT_ADDRESS=10.20.0.2',
      "VAULTROOM_DATABASE_URL='postgres://vaultroom@10.20.0.20/vaultroom?sslmode=require&application_name=vr'",
      "VAULTROOM_NATS_URL='nats://10.20.0.20:4222'",
    ]) {
      expect(settings).toContain(expected);
    }
  });

  it('reads the secrets file after the rendered settings, in the unit and the command-line tool', () => {
    const unit = lines('nodes/relay1/etc/systemd/system/vaultroom.service');
    expect(unit).toContain('Description=VaultRoom relay node relay1 (end-to-end encrypted chat)');
    const environment = unit.filter((line) => line.startsWith('EnvironmentFile='));
    expect(environment).toEqual([
      'EnvironmentFile=/etc/vaultroom/relay.env',
      'EnvironmentFile=/etc/vaultroom/secrets.env',
    ]);
    expect(unit).toContain('ReadWritePaths=/var/lib/vaultroom');
    const wrapper = file('nodes/relay1/usr/local/bin/vaultroom').content;
    expect(wrapper).toContain('. /etc/vaultroom/relay.env\n. /etc/vaultroom/secrets.env\n');
  });

  it('opens the relay port of each node to the load balancer only, SSH to the LAN, and drops the rest', () => {
    const nft = lines('nodes/relay2/etc/vaultroom/vaultroom.nft').map((line) => line.trim());
    expect(nft).toContain('type filter hook input priority filter; policy drop;');
    expect(nft).toContain('ip saddr 10.20.0.2 tcp dport 9443 accept');
    expect(nft).toContain('ip saddr 10.20.0.0/24 tcp dport 22 accept');
    expect(nft.filter((line) => line.includes('dport 9443'))).toHaveLength(1);
  });

  it('resolves the site name to the load balancer and each node name to its node', () => {
    const forward = lines('front/etc/bind/vaultroom/db.lab.home.arpa');
    expect(forward).toContain('chat\tIN\tA\t10.20.0.2');
    expect(forward).toContain('relay1\tIN\tA\t10.20.0.11');
    expect(forward).toContain('relay2\tIN\tA\t10.20.0.12');
    const reverse = lines('front/etc/bind/vaultroom/db.0.20.10.in-addr.arpa');
    expect(reverse).toContain('2\tIN\tPTR\tchat.lab.home.arpa.');
    expect(reverse).toContain('11\tIN\tPTR\trelay1.lab.home.arpa.');
    expect(reverse).toContain('12\tIN\tPTR\trelay2.lab.home.arpa.');
  });

  it('leaves out NATS for a single node, and the secrets file when there is none', () => {
    const single = parseSiteConfig({
      relay: { ipv4: '10.20.0.2' },
      network: {
        interface: 'lan0',
        subnet: '10.20.0.0/24',
        router: '10.20.0.1',
        dhcpRange: { first: '10.20.0.100', last: '10.20.0.200' },
      },
      cluster: {
        nodes: [{ name: 'relay1', ipv4: '10.20.0.11' }],
        databaseUrl: 'postgresql:///vaultroom?host=/var/run/postgresql',
      },
    });
    const one = new Map(renderSite(single).map((each) => [each.path, each.content]));
    expect(one.get('nodes/relay1/etc/vaultroom/relay.env')).not.toContain('VAULTROOM_NATS_URL');
    const unit = one.get('nodes/relay1/etc/systemd/system/vaultroom.service') ?? '';
    expect(unit.match(/^EnvironmentFile=/gm)).toHaveLength(1);
    expect(one.get('nodes/relay1/usr/local/bin/vaultroom')).not.toContain('secrets');
  });
});
