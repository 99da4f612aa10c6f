import { describe, expect, it } from 'vitest';
import { renderSite } from './renderSite.js';
import { parseSiteConfig } from './siteConfig.js';

const site = parseSiteConfig({
  domain: 'lab.home.arpa',
  relay: {
    hostname: 'chat.lab.home.arpa',
    ipv4: '10.20.0.2',
    ipv6: 'fd00:1:2:3::2',
  },
  network: {
    interface: 'lan0',
    subnet: '10.20.0.0/24',
    ipv6Prefix: 'fd00:1:2:3::/64',
    router: '10.20.0.1',
    dhcpRange: { first: '10.20.0.100', last: '10.20.0.200' },
  },
  dns: { forwarders: ['9.9.9.9'] },
});
const now = new Date('2026-11-25T12:00:00Z');
const files = new Map(renderSite(site, now).map((file) => [file.path, file.content]));
const file = (name: string) => {
  const content = files.get(name);
  if (content === undefined) throw new Error(`${name} was not rendered`);
  return content;
};

describe('renderSite', () => {
  it('renders every file at the path it is installed to', () => {
    expect([...files.keys()].sort()).toEqual([
      'etc/avahi/avahi-daemon.conf',
      'etc/avahi/services/vaultroom.service',
      'etc/bind/named.conf.local',
      'etc/bind/named.conf.options',
      'etc/bind/vaultroom/db.0.20.10.in-addr.arpa',
      'etc/bind/vaultroom/db.3.0.0.0.2.0.0.0.1.0.0.0.0.0.d.f.ip6.arpa',
      'etc/bind/vaultroom/db.lab.home.arpa',
      'etc/default/isc-dhcp-server',
      'etc/dhcp/dhcpd.conf',
      'etc/kea/kea-dhcp4.conf',
      'etc/systemd/system/vaultroom.service',
      'etc/vaultroom/relay.env',
      'etc/vaultroom/vaultroom.nft',
      'usr/local/bin/vaultroom',
    ]);
  });

  it('gives the relay both names, the unicast one canonical, so both are in its certificate', () => {
    const env = file('etc/vaultroom/relay.env');
    expect(env).toMatch(/^VAULTROOM_HOSTNAME=chat\.lab\.home\.arpa$/m);
    expect(env).toMatch(/^VAULTROOM_ALT_HOSTNAMES=vaultroom\.local$/m);
    expect(env).toMatch(/^VAULTROOM_PUBLIC_PORT=443$/m);
    expect(env).toMatch(/^VAULTROOM_DATA_DIR=\/var\/lib\/vaultroom$/m);
    // Clients reach a single relay from their own addresses: nothing is exempt from its limits.
    expect(env).not.toContain('VAULTROOM_FRONT_ADDRESS');
  });

  it('puts A, AAAA and PTR records for the relay in the zones', () => {
    const forward = file('etc/bind/vaultroom/db.lab.home.arpa');
    expect(forward).toMatch(/^chat\tIN\tA\t10\.20\.0\.2$/m);
    expect(forward).toMatch(/^chat\tIN\tAAAA\tfd00:1:2:3::2$/m);
    expect(forward).toContain(`${Math.floor(now.getTime() / 1000)}\t; serial`);
    expect(file('etc/bind/vaultroom/db.0.20.10.in-addr.arpa')).toMatch(
      /^2\tIN\tPTR\tchat\.lab\.home\.arpa\.$/m,
    );
    expect(file('etc/bind/vaultroom/db.3.0.0.0.2.0.0.0.1.0.0.0.0.0.d.f.ip6.arpa')).toMatch(
      /^2\.0\.0\.0\.0\.0\.0\.0\.0\.0\.0\.0\.0\.0\.0\.0\tIN\tPTR\tchat\.lab\.home\.arpa\.$/m,
    );
    expect(file('etc/bind/named.conf.local')).toContain(
      'file "/etc/bind/vaultroom/db.lab.home.arpa";',
    );
  });

  it('answers recursive queries from the LAN only', () => {
    const options = file('etc/bind/named.conf.options');
    expect(options).toContain('acl vaultroom_lan { 10.20.0.0/24; fd00:1:2:3::/64; };');
    expect(options).toContain('allow-recursion { localhost; vaultroom_lan; };');
    expect(options).toContain('forwarders { 9.9.9.9; };');
  });

  it('hands out the site DNS server and domain with both DHCP servers', () => {
    const kea = JSON.parse(file('etc/kea/kea-dhcp4.conf').replace(/^\/\/.*$/gm, '')) as {
      Dhcp4: { 'option-data': { name: string; data: string }[] };
    };
    expect(kea.Dhcp4['option-data']).toEqual(
      expect.arrayContaining([
        { name: 'domain-name-servers', data: '10.20.0.2' },
        { name: 'domain-name', data: 'lab.home.arpa' },
      ]),
    );
    const dhcpd = file('etc/dhcp/dhcpd.conf');
    expect(dhcpd).toContain('option domain-name "lab.home.arpa";');
    expect(dhcpd).toContain('option domain-name-servers 10.20.0.2;');
    expect(dhcpd).toContain('range 10.20.0.100 10.20.0.200;');
    expect(dhcpd).toMatch(/end of life in 2022/);
    expect(file('etc/default/isc-dhcp-server')).toContain('INTERFACESv4="lan0"');
  });

  it('opens the relay rate-limited, DNS, DHCP and SSH to the LAN only, and drops the rest', () => {
    const nft = file('etc/vaultroom/vaultroom.nft');
    expect(nft).toContain('type filter hook input priority filter; policy drop;');
    expect(nft).toContain('iifname "lan0" tcp dport 443 redirect to :8443');
    expect(nft).toContain('iifname "lan0" tcp dport 80 redirect to :8080');
    expect(nft).toContain('ip saddr 10.20.0.0/24 tcp dport 22 accept');
    expect(nft).toContain('ip saddr 10.20.0.0/24 meta l4proto { tcp, udp } th dport 53 accept');
    expect(nft).toMatch(
      /ct state new update @relay_clients_v4 \{ ip saddr limit rate over 25\/second/,
    );
    expect(nft).toContain('tcp dport { 8443, 8080 } accept');
  });

  it('confines the service to its user and its data directory', () => {
    const unit = file('etc/systemd/system/vaultroom.service');
    for (const line of [
      'User=vaultroom',
      'ProtectSystem=strict',
      'ReadWritePaths=/var/lib/vaultroom',
      'NoNewPrivileges=yes',
      'PrivateTmp=yes',
      'CapabilityBoundingSet=',
      'Restart=on-failure',
      'EnvironmentFile=/etc/vaultroom/relay.env',
      'ExecStart=/usr/bin/node /opt/vaultroom/relay/dist/cli.js serve',
    ]) {
      expect(unit.split('\n')).toContain(line);
    }
  });

  it('runs the command-line tool as the relay user with its settings', () => {
    const wrapper = file('usr/local/bin/vaultroom');
    expect(wrapper).toContain('. /etc/vaultroom/relay.env');
    expect(wrapper).toContain(
      'exec runuser -u vaultroom -- /usr/bin/node /opt/vaultroom/relay/dist/cli.js "$@"',
    );
  });

  it('publishes the mDNS name with Avahi, and nothing when there is none', () => {
    const daemon = file('etc/avahi/avahi-daemon.conf');
    expect(daemon).toMatch(/^host-name=vaultroom$/m);
    expect(daemon).toMatch(/^allow-interfaces=lan0$/m);
    expect(file('etc/avahi/services/vaultroom.service')).toContain(
      '<host-name>vaultroom.local</host-name>',
    );
    const withoutMdns = parseSiteConfig({
      relay: { ipv4: '10.20.0.2', mdnsName: null },
      network: {
        interface: 'lan0',
        subnet: '10.20.0.0/24',
        router: '10.20.0.1',
        dhcpRange: { first: '10.20.0.100', last: '10.20.0.200' },
      },
    });
    const rendered = renderSite(withoutMdns, now);
    expect(rendered.some((one) => one.path.startsWith('etc/avahi/'))).toBe(false);
    expect(rendered.find((one) => one.path.endsWith('relay.env'))?.content).not.toContain(
      'VAULTROOM_ALT_HOSTNAMES',
    );
  });
});
