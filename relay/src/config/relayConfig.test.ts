import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from './ConfigError.js';
import { allHostnames, allowsLocalhost, parseRelayConfig } from './relayConfig.js';

const cwd = '/srv/vaultroom';

describe('parseRelayConfig', () => {
  it('applies the documented defaults', () => {
    const config = parseRelayConfig({}, cwd);
    expect(config).toMatchObject({
      dataDir: path.join(cwd, 'data'),
      databaseUrl: null,
      port: 8443,
      httpPort: 8080,
      hostname: 'vaultroom.local',
      altHostnames: [],
      tls: null,
      logLevel: 'info',
      publicPort: null,
      registration: 'invite',
      sessionIdleHours: 336,
      sessionMaxDays: 90,
      challengeTtlSeconds: 300,
      authRatePerMinute: 30,
      frontAddress: null,
      auditCheckpointEvents: 256,
      auditCheckpointSeconds: 60,
      retentionDays: 30,
      maxConnectionsPerAccount: 16,
      sendRatePerSecond: 500,
      maxDeviceLag: 5000,
      mailboxQuotaMb: 256,
      senderQuotaMb: 1024,
      maxFileMb: 100,
      blobQuotaMb: 1024,
      allowLocalhost: false,
      push: true,
      pushIntervalSeconds: 60,
      pushAllowPrivate: false,
      natsUrl: null,
    });
  });

  it('takes a PostgreSQL URL, and refuses another kind without repeating its password', () => {
    const url = 'postgres://vaultroom:s3cret@db.internal:5432/vaultroom';
    expect(parseRelayConfig({ databaseUrl: ` ${url} ` }, cwd).databaseUrl).toBe(url);
    expect(parseRelayConfig({ databaseUrl: '' }, cwd).databaseUrl).toBeNull();
    for (const bad of ['mysql://root:s3cret@db/vaultroom', 'db.internal:s3cret', 's3cret']) {
      let error: unknown;
      try {
        parseRelayConfig({ databaseUrl: bad }, cwd);
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as Error).message).toMatch(/^VAULTROOM_DATABASE_URL must/);
      expect((error as Error).message).not.toContain('s3cret');
    }
  });

  it('takes a NATS URL, credentials included, and never shows a refused one', () => {
    const databaseUrl = 'postgres://vaultroom@db.lan/vaultroom';
    expect(parseRelayConfig({ natsUrl: ' nats://10.0.0.5:4222 ', databaseUrl }, cwd).natsUrl).toBe(
      'nats://10.0.0.5:4222',
    );
    expect(
      parseRelayConfig({ natsUrl: 'nats://relay:pw@nats.lan:4222', databaseUrl }, cwd).natsUrl,
    ).toBe('nats://relay:pw@nats.lan:4222');
    expect(parseRelayConfig({ natsUrl: '' }, cwd).natsUrl).toBeNull();
    for (const natsUrl of [
      'http://relay:hunter2@nats.lan',
      'nats://relay:hunter2@',
      'nats://relay:hunter2@nats.lan/path',
      'nats://relay:hunter2@nats.lan:4222?x=1',
      'relay:hunter2',
    ]) {
      expect(() => parseRelayConfig({ natsUrl, databaseUrl }, cwd)).toThrow(
        'VAULTROOM_NATS_URL must be',
      );
      expect(() => parseRelayConfig({ natsUrl, databaseUrl }, cwd)).not.toThrow(/hunter2/);
    }
  });

  it("takes the load balancer's address as one IPv4 or IPv6 address", () => {
    expect(parseRelayConfig({ frontAddress: ' 10.20.0.2 ' }, cwd).frontAddress).toBe('10.20.0.2');
    expect(parseRelayConfig({ frontAddress: 'fd00:1:2:3::2' }, cwd).frontAddress).toBe(
      'fd00:1:2:3::2',
    );
    expect(parseRelayConfig({ frontAddress: '' }, cwd).frontAddress).toBeNull();
    for (const frontAddress of [
      'haproxy.lan',
      '10.20.0.0/24',
      '10.20.0.256',
      '010.20.0.2',
      'fe80::1%eth0',
      '0.0.0.0',
      '::',
      '10.20.0.2,10.20.0.3',
    ]) {
      expect(() => parseRelayConfig({ frontAddress }, cwd)).toThrow(
        `VAULTROOM_FRONT_ADDRESS must be the load balancer's IP address, such as 192.168.50.10, got "${frontAddress}"`,
      );
    }
  });

  it('refuses NATS on SQLite: only relays sharing PostgreSQL can use it', () => {
    expect(() => parseRelayConfig({ natsUrl: 'nats://127.0.0.1:4222' }, cwd)).toThrow(
      'VAULTROOM_NATS_URL needs VAULTROOM_DATABASE_URL',
    );
  });

  it('reads allow-localhost as a boolean', () => {
    for (const word of ['true', 'YES', ' on ', '1']) {
      expect(parseRelayConfig({ allowLocalhost: word }, cwd).allowLocalhost).toBe(true);
    }
    for (const word of ['false', 'No', 'off', '0']) {
      expect(parseRelayConfig({ allowLocalhost: word }, cwd).allowLocalhost).toBe(false);
    }
  });

  it('allows localhost origins only when set, or when the relay is itself named localhost', () => {
    const allows = (raw: Parameters<typeof parseRelayConfig>[0]) =>
      allowsLocalhost(parseRelayConfig(raw, cwd));
    expect(allows({})).toBe(false);
    expect(allows({ hostname: 'localhost.example' })).toBe(false);
    expect(allows({ hostname: 'notlocalhost' })).toBe(false);
    expect(allows({ allowLocalhost: 'true' })).toBe(true);
    expect(allows({ hostname: 'localhost' })).toBe(true);
    expect(allows({ hostname: 'vaultroom.localhost' })).toBe(true);
  });

  it('disables the redirect listener with port 0 and resolves relative paths', () => {
    const config = parseRelayConfig(
      { httpPort: '0', dataDir: 'state', tlsCert: 'a.pem', tlsKey: 'a-key.pem' },
      cwd,
    );
    expect(config.httpPort).toBeNull();
    expect(config.dataDir).toBe('/srv/vaultroom/state');
    expect(config.tls).toEqual({
      certFile: '/srv/vaultroom/a.pem',
      keyFile: '/srv/vaultroom/a-key.pem',
    });
  });

  it('lowercases host names and drops duplicates of the canonical one', () => {
    const config = parseRelayConfig(
      { hostname: 'VaultRoom.Local', altHostnames: 'vaultroom.home.arpa, vaultroom.local,' },
      cwd,
    );
    expect(allHostnames(config)).toEqual(['vaultroom.local', 'vaultroom.home.arpa']);
  });

  it.each([
    [{ port: '70000' }, 'VAULTROOM_PORT must be between 0 and 65535, got "70000"'],
    [{ port: 'https' }, 'VAULTROOM_PORT must be a whole number, got "https"'],
    [{ port: '-1' }, 'VAULTROOM_PORT must be a whole number, got "-1"'],
    [{ httpPort: '8443' }, 'VAULTROOM_HTTP_PORT and VAULTROOM_PORT must differ, both are 8443'],
    [{ hostname: '*.example.org' }, 'VAULTROOM_HOSTNAME must be a DNS host name'],
    [{ hostname: '127.0.0.1' }, 'VAULTROOM_HOSTNAME must be a DNS host name'],
    [{ hostname: 'bad_name.local' }, 'VAULTROOM_HOSTNAME must be a DNS host name'],
    [{ altHostnames: 'ok.local,-bad' }, 'VAULTROOM_ALT_HOSTNAMES must be a DNS host name'],
    [{ tlsCert: 'cert.pem' }, 'VAULTROOM_TLS_CERT and VAULTROOM_TLS_KEY must be set together'],
    [{ logLevel: 'loud' }, 'VAULTROOM_LOG_LEVEL must be one of'],
    [{ dataDir: '  ' }, 'VAULTROOM_DATA_DIR must not be empty'],
    [{ registration: 'closed' }, 'VAULTROOM_REGISTRATION must be invite or open, got "closed"'],
    [{ sessionIdleHours: '0' }, 'VAULTROOM_SESSION_IDLE_HOURS must be a whole number from 1'],
    [{ sessionMaxDays: '1.5' }, 'VAULTROOM_SESSION_MAX_DAYS must be a whole number from 1'],
    [{ publicPort: '0' }, 'VAULTROOM_PUBLIC_PORT must be between 1 and 65535'],
    [{ allowLocalhost: 'maybe' }, 'VAULTROOM_ALLOW_LOCALHOST must be true or false, got "maybe"'],
    [{ push: 'perhaps' }, 'VAULTROOM_PUSH must be true or false, got "perhaps"'],
    [{ pushIntervalSeconds: '0' }, 'VAULTROOM_PUSH_INTERVAL_SECONDS must be a whole number from 1'],
    [{ pushAllowPrivate: 'lan' }, 'VAULTROOM_PUSH_ALLOW_PRIVATE must be true or false, got "lan"'],
  ])('refuses %o with a message naming the setting', (raw, message) => {
    expect(() => parseRelayConfig(raw, cwd)).toThrow(ConfigError);
    expect(() => parseRelayConfig(raw, cwd)).toThrow(message);
  });
});
