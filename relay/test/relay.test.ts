import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import tls from 'node:tls';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from './httpsClient.js';
import { freePort, runCli, startRelayProcess, type RelayProcess } from './relayProcess.js';

const SECURITY_HEADERS = [
  'content-security-policy',
  'strict-transport-security',
  'cross-origin-opener-policy',
  'cross-origin-resource-policy',
  'x-content-type-options',
  'referrer-policy',
  'permissions-policy',
];

function expectSecurityHeaders(headers: Record<string, unknown>): void {
  for (const name of SECURITY_HEADERS) expect(headers, name).toHaveProperty(name);
  const csp = String(headers['content-security-policy']);
  expect(csp).toContain("script-src 'self' 'wasm-unsafe-eval'");
  expect(csp).not.toContain('unsafe-inline');
  expect(headers['strict-transport-security']).toMatch(/max-age=\d{8,}/);
  expect(headers['x-content-type-options']).toBe('nosniff');
}

/** Completes a TLS handshake with the given client limits, or reports why it failed. */
function handshake(port: number, ca: string, options: tls.ConnectionOptions) {
  return new Promise<
    { ok: true; protocol: string | null; cipher: string } | { ok: false; code: string | undefined }
  >((resolve) => {
    const socket = tls.connect({
      host: '127.0.0.1',
      port,
      ca,
      servername: 'vaultroom.local',
      ...options,
    });
    socket.once('secureConnect', () => {
      resolve({ ok: true, protocol: socket.getProtocol(), cipher: socket.getCipher().name });
      socket.destroy();
    });
    socket.once('error', (error: NodeJS.ErrnoException) => {
      resolve({ ok: false, code: error.code });
    });
  });
}

describe('relay over TLS', () => {
  let relay: RelayProcess;
  let ca: string;
  let redirectPort: number;
  let assetPath: string;

  beforeAll(async () => {
    redirectPort = await freePort();
    relay = await startRelayProcess({ httpPort: redirectPort });
    ca = relay.caPem();
    const index = (await request(relay.httpsPort, ca, '/')).body.toString();
    const match = /src="(\/assets\/[^"]+\.js)"/.exec(index);
    if (match?.[1] === undefined) throw new Error('index.html names no hashed script');
    assetPath = match[1];
  });

  afterAll(async () => {
    await relay.stop();
    fs.rmSync(relay.dataDir, { recursive: true, force: true });
  });

  describe('certificates', () => {
    it('serves a chain that validates against the generated CA for every configured name', async () => {
      for (const servername of ['vaultroom.local', 'localhost']) {
        const response = await request(relay.httpsPort, ca, '/healthz', { servername });
        expect(response.status).toBe(200);
      }
    });

    it('is not trusted without the CA', async () => {
      const result = await handshake(relay.httpsPort, '', { ca: undefined });
      expect(result).toEqual({ ok: false, code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });
    });

    it('keeps private keys readable by the owner only', () => {
      for (const file of ['ca-key.pem', 'server-key.pem']) {
        const mode = fs.statSync(path.join(relay.dataDir, 'tls', file)).mode & 0o777;
        expect(mode, file).toBe(0o600);
      }
    });
  });

  describe('TLS versions and suites', () => {
    it('speaks TLS 1.3', async () => {
      expect(await handshake(relay.httpsPort, ca, { minVersion: 'TLSv1.3' })).toMatchObject({
        ok: true,
        protocol: 'TLSv1.3',
      });
    });

    it.each(['ECDHE-ECDSA-AES128-GCM-SHA256', 'ECDHE-ECDSA-CHACHA20-POLY1305'])(
      'accepts the TLS 1.2 AEAD suite %s',
      async (cipher) => {
        const result = await handshake(relay.httpsPort, ca, {
          maxVersion: 'TLSv1.2',
          ciphers: cipher,
        });
        expect(result).toMatchObject({ ok: true, protocol: 'TLSv1.2', cipher });
      },
    );

    it.each(['ECDHE-ECDSA-AES128-SHA256', 'ECDHE-ECDSA-AES256-SHA', 'ECDHE-ECDSA-AES128-SHA'])(
      'refuses the TLS 1.2 CBC suite %s',
      async (cipher) => {
        const result = await handshake(relay.httpsPort, ca, {
          maxVersion: 'TLSv1.2',
          ciphers: cipher,
        });
        expect(result.ok).toBe(false);
      },
    );

    it.each(['TLSv1', 'TLSv1.1'] as const)(
      'refuses %s with a protocol-version alert',
      async (version) => {
        // The client is allowed every suite, so the refusal can only come from the server.
        const result = await handshake(relay.httpsPort, ca, {
          minVersion: version,
          maxVersion: version,
          ciphers: 'ALL:@SECLEVEL=0',
        });
        expect(result).toEqual({ ok: false, code: 'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION' });
      },
    );
  });

  describe('HTTP', () => {
    it('answers /healthz with JSON status and version', async () => {
      const response = await request(relay.httpsPort, ca, '/healthz');
      expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(response.headers['cache-control']).toBe('no-store');
      const body = JSON.parse(response.body.toString()) as Record<string, unknown>;
      expect(body).toMatchObject({ status: 'ok', version: '0.1.0', database: 'ok' });
      expect(body['uptimeSeconds']).toEqual(expect.any(Number));
      expectSecurityHeaders(response.headers);
    });

    it('answers /healthz the moment it listens; the test helper says how long that took', async () => {
      const other = await startRelayProcess();
      try {
        const response = await request(other.httpsPort, other.caPem(), '/healthz');
        expect(response.status).toBe(200);
        expect(other.startedInMs).toBeGreaterThan(0);
        expect(other.startedInMs).toBeLessThan(30_000);
      } finally {
        await other.stop();
        fs.rmSync(other.dataDir, { recursive: true, force: true });
      }
    });

    it('serves the app shell with no-cache and security headers', async () => {
      const response = await request(relay.httpsPort, ca, '/');
      expect(response.status).toBe(200);
      expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(response.headers['cache-control']).toBe('no-cache');
      expect(response.body.toString()).toContain('<!doctype html>');
      expectSecurityHeaders(response.headers);
    });

    it('serves the app shell on client routes', async () => {
      for (const route of ['/sign-in', '/conversations', '/settings']) {
        const response = await request(relay.httpsPort, ca, route);
        expect(response.status, route).toBe(200);
        expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
      }
    });

    it('serves hashed assets immutable, compressed, with security headers', async () => {
      const response = await request(relay.httpsPort, ca, assetPath, {
        headers: { 'accept-encoding': 'gzip, br' },
      });
      expect(response.status).toBe(200);
      expect(response.headers['content-type']).toBe('text/javascript; charset=utf-8');
      expect(response.headers['cache-control']).toBe('public, max-age=31536000, immutable');
      expect(response.headers['content-encoding']).toBe('br');
      expect(response.headers.vary).toBe('Accept-Encoding');
      const plain = await request(relay.httpsPort, ca, assetPath);
      expect(zlib.brotliDecompressSync(response.body).equals(plain.body)).toBe(true);
      expectSecurityHeaders(response.headers);
    });

    it('serves the compressed variants the build made only as encodings of their file', async () => {
      const dist = fileURLToPath(new URL('../../pwa/dist', import.meta.url));
      const built = fs.readFileSync(path.join(dist, `${assetPath}.br`));
      const response = await request(relay.httpsPort, ca, assetPath, {
        headers: { 'accept-encoding': 'br' },
      });
      expect(response.body.equals(built)).toBe(true);
      expect((await request(relay.httpsPort, ca, `${assetPath}.br`)).status).toBe(404);
      expect((await request(relay.httpsPort, ca, `${assetPath}.gz`)).status).toBe(404);
      // Nor does the service worker precache them: a browser gets encodings, not these files.
      expect(fs.readFileSync(path.join(dist, 'sw.js'), 'utf8')).not.toMatch(/\.(br|gz)"/);
    });

    it('revalidates with ETag and answers 304', async () => {
      const first = await request(relay.httpsPort, ca, '/');
      const etag = String(first.headers.etag);
      const second = await request(relay.httpsPort, ca, '/', {
        headers: { 'if-none-match': etag },
      });
      expect(second.status).toBe(304);
      expect(second.body.length).toBe(0);
    });

    it('serves the service worker and manifest with no-cache', async () => {
      for (const file of ['/sw.js', '/manifest.webmanifest']) {
        const response = await request(relay.httpsPort, ca, file);
        expect(response.status, file).toBe(200);
        expect(response.headers['cache-control'], file).toBe('no-cache');
      }
    });

    it('answers HEAD with headers and length but no body', async () => {
      const get = await request(relay.httpsPort, ca, assetPath);
      const head = await request(relay.httpsPort, ca, assetPath, { method: 'HEAD' });
      expect(head.status).toBe(200);
      expect(head.headers['content-length']).toBe(String(get.body.length));
      expect(head.body.length).toBe(0);
      expectSecurityHeaders(head.headers);
    });

    it('answers unknown paths with 404 and security headers', async () => {
      for (const unknown of ['/nope', '/assets/missing.js', '/../../etc/passwd', '/settingsx']) {
        const response = await request(relay.httpsPort, ca, unknown);
        expect(response.status, unknown).toBe(404);
        expectSecurityHeaders(response.headers);
      }
    });

    it('refuses other methods with 405 and Allow', async () => {
      const response = await request(relay.httpsPort, ca, '/', { method: 'POST' });
      expect(response.status).toBe(405);
      expect(response.headers.allow).toBe('GET, HEAD');
    });

    it('refuses host names it does not serve (DNS rebinding)', async () => {
      const response = await request(relay.httpsPort, ca, '/healthz', {
        headers: { host: 'attacker.example' },
      });
      expect(response.status).toBe(421);
    });
  });

  describe('plain-HTTP listener', () => {
    it('only redirects to the canonical HTTPS origin, whatever the Host header says', async () => {
      const response = await new Promise<string>((resolve, reject) => {
        const socket = net.connect(redirectPort, '127.0.0.1', () => {
          socket.write(
            'GET /settings?tab=about HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n',
          );
        });
        let data = '';
        socket.on('data', (chunk: Buffer) => (data += chunk.toString()));
        socket.on('end', () => {
          resolve(data);
        });
        socket.on('error', reject);
      });
      expect(response).toMatch(/^HTTP\/1\.1 308 Permanent Redirect\r\n/);
      expect(response).toContain(
        `Location: https://vaultroom.local:${relay.httpsPort}/settings?tab=about\r\n`,
      );
    });
  });
});

describe('relay start-up errors', () => {
  it.each([
    [['--port', '70000'], 'vaultroom: VAULTROOM_PORT must be between 0 and 65535, got "70000"'],
    [['--hostname', 'not a host'], 'vaultroom: VAULTROOM_HOSTNAME must be a DNS host name'],
    [
      ['--tls-cert', 'only-cert.pem'],
      'vaultroom: VAULTROOM_TLS_CERT and VAULTROOM_TLS_KEY must be set together',
    ],
    [['--pwa-dir', '/nonexistent'], 'vaultroom: the PWA is not built'],
    [
      ['--tls-cert', '/nonexistent.pem', '--tls-key', '/nonexistent-key.pem'],
      'vaultroom: cannot read the TLS certificate',
    ],
  ])('%j fails with one clear line and exit code 1', async (args, message) => {
    const result = await runCli(['serve', '--port', '0', '--http-port', '0', ...args]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(message);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('reads settings from VAULTROOM_* variables', async () => {
    const result = await runCli(['serve'], { VAULTROOM_PORT: 'eighty', VAULTROOM_HTTP_PORT: '0' });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('VAULTROOM_PORT must be a whole number, got "eighty"');
  });

  it('refuses a port that is already in use', async () => {
    const first = await startRelayProcess();
    try {
      const result = await runCli([
        'serve',
        '--port',
        String(first.httpsPort),
        '--http-port',
        '0',
        '--data-dir',
        path.join(first.dataDir, 'other'),
      ]);
      expect(result.code).toBe(1);
      expect(result.stderr.trim()).toBe(
        `vaultroom: cannot listen for HTTPS on port ${first.httpsPort}: it is in use or not permitted`,
      );
    } finally {
      await first.stop();
      fs.rmSync(first.dataDir, { recursive: true, force: true });
    }
  });

  it('refuses a second relay on the same data directory', async () => {
    const first = await startRelayProcess();
    try {
      const result = await runCli([
        'serve',
        '--port',
        '0',
        '--http-port',
        '0',
        '--data-dir',
        first.dataDir,
      ]);
      expect(result.code).toBe(1);
      expect(result.stderr.trim()).toBe(
        `vaultroom: the data directory ${first.dataDir} is in use by another VaultRoom relay`,
      );
    } finally {
      await first.stop();
      fs.rmSync(first.dataDir, { recursive: true, force: true });
    }
  });
});

describe('graceful shutdown', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)(
    'on %s closes open connections and exits 0 within 5 s',
    async (signal) => {
      const relay = await startRelayProcess();
      const ca = relay.caPem();
      // An idle keep-alive connection must not hold the process open.
      const socket = tls.connect({
        host: '127.0.0.1',
        port: relay.httpsPort,
        ca,
        servername: 'vaultroom.local',
      });
      // Closing at shutdown may end the connection with a reset rather than a FIN: either way it
      // is closed, which is what the test waits for, and the reset must not count as a crash.
      socket.on('error', () => undefined);
      await new Promise((resolve) => socket.once('secureConnect', resolve));
      const closed = new Promise((resolve) => socket.once('close', resolve));
      const { code, ms } = await relay.stop(signal);
      expect(code).toBe(0);
      expect(ms).toBeLessThan(5000);
      await closed;
      expect(relay.logs.map((record) => record['msg'])).toEqual(
        expect.arrayContaining(['relay stopping', 'relay stopped']),
      );
      fs.rmSync(relay.dataDir, { recursive: true, force: true });
    },
  );
});

describe('vaultroom CLI', () => {
  it.each([[[]], [['serve']], [['certs']]])('prints help for %j', async (args) => {
    const result = await runCli([...args, '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Usage: vaultroom');
    expect(result.stdout).toContain('--help');
  });

  it('certs renews the server certificate and keeps the CA', async () => {
    const relay = await startRelayProcess();
    const dataDir = relay.dataDir;
    await relay.stop();
    const caBefore = fs.readFileSync(path.join(dataDir, 'tls', 'ca.pem'), 'utf8');
    const serverBefore = fs.readFileSync(path.join(dataDir, 'tls', 'server.pem'), 'utf8');
    const result = await runCli(['certs', '--data-dir', dataDir]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Kept the CA');
    expect(fs.readFileSync(path.join(dataDir, 'tls', 'ca.pem'), 'utf8')).toBe(caBefore);
    expect(fs.readFileSync(path.join(dataDir, 'tls', 'server.pem'), 'utf8')).not.toBe(serverBefore);
    fs.rmSync(dataDir, { recursive: true, force: true });
  });
});
