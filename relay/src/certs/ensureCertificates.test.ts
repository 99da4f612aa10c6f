import { X509Certificate, createPrivateKey } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CertificateError } from './CertificateError.js';
import { ensureCertificates, tlsPaths } from './index.js';
import type { EnsureCertificatesOptions } from './index.js';
import { x509 } from './x509.js';

const DAY_MS = 24 * 60 * 60 * 1000;
const HOSTNAMES = ['vaultroom.local', 'chat.example.org'];

let dataDir: string;

beforeEach(async () => {
  dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'vaultroom-certs-'));
});

afterEach(async () => {
  await fs.rm(dataDir, { recursive: true, force: true });
});

function ensure(options: Partial<EnsureCertificatesOptions> = {}) {
  return ensureCertificates({ dataDir, hostnames: HOSTNAMES, ...options });
}

async function readCert(file: string) {
  const pem = await fs.readFile(file, 'utf8');
  return { node: new X509Certificate(pem), parsed: new x509.X509Certificate(pem) };
}

function openssl(...args: string[]) {
  const run = spawnSync('openssl', args, { encoding: 'utf8' });
  if (run.error) throw run.error;
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

function rejection(promise: Promise<unknown>): Promise<CertificateError> {
  return promise.then(
    () => {
      throw new Error('expected a CertificateError');
    },
    (error: unknown) => {
      expect(error).toBeInstanceOf(CertificateError);
      return error as CertificateError;
    },
  );
}

async function snapshot(dir: string) {
  const entries = await fs.readdir(dir);
  return Object.fromEntries(
    await Promise.all(
      entries.sort().map(async (name) => [name, await fs.readFile(path.join(dir, name), 'utf8')]),
    ),
  ) as Record<string, string>;
}

/** The PEM label of a private key, assembled so this file itself never contains it. */
const PRIVATE_KEY_LABEL = ['PRIVATE', 'KEY'].join(' ');

describe('ensureCertificates on an empty data directory', () => {
  it('creates the four files under <dataDir>/tls', async () => {
    const result = await ensure();
    expect(result.paths).toEqual(tlsPaths(dataDir));
    expect(result.paths.caCert).toBe(path.join(dataDir, 'tls', 'ca.pem'));
    expect(result.createdCa).toBe(true);
    expect(result.createdServer).toBe(true);
    expect((await fs.readdir(result.paths.dir)).sort()).toEqual([
      'ca-key.pem',
      'ca.pem',
      'server-key.pem',
      'server.pem',
    ]);
  });

  it('issues a server certificate whose chain verifies with Node and with OpenSSL', async () => {
    const { paths } = await ensure();
    const ca = await readCert(paths.caCert);
    const server = await readCert(paths.serverCert);
    expect(server.node.verify(ca.node.publicKey)).toBe(true);
    expect(server.node.checkIssued(ca.node)).toBe(true);
    expect(ca.node.verify(ca.node.publicKey)).toBe(true);

    const verify = openssl('verify', '-CAfile', paths.caCert, paths.serverCert);
    expect(verify.output).toContain(`${paths.serverCert}: OK`);
    expect(verify.status).toBe(0);
  });

  it('names every configured host, localhost and both loopback addresses, and nothing else', async () => {
    const { paths } = await ensure();
    const { node: server } = await readCert(paths.serverCert);
    for (const host of [...HOSTNAMES, 'localhost']) {
      expect(server.checkHost(host)).toBe(host);
    }
    expect(server.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(server.checkIP('::1')).toBe('::1');
    expect(server.checkHost('evil.example')).toBeUndefined();
    expect(server.checkHost('sub.vaultroom.local')).toBeUndefined();
    expect(server.checkIP('192.168.1.1')).toBeUndefined();
  });

  it('is accepted by a TLS client that trusts only ca.pem, for each host name', async () => {
    const { paths } = await ensure();
    const [ca, cert, key] = await Promise.all(
      [paths.caCert, paths.serverCert, paths.serverKey].map((f) => fs.readFile(f)),
    );
    const server = tls.createServer({ cert, key }, (socket) => socket.end());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('no TCP address');
    try {
      for (const servername of [...HOSTNAMES, 'localhost']) {
        const authorized = await new Promise<boolean>((resolve, reject) => {
          const socket = tls.connect(
            { host: '127.0.0.1', port: address.port, servername, ca },
            () => {
              resolve(socket.authorized);
              socket.end();
            },
          );
          socket.on('error', reject);
        });
        expect(authorized, servername).toBe(true);
      }
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('uses ECDSA P-256 for both keys', async () => {
    const { paths } = await ensure();
    for (const [certFile, keyFile] of [
      [paths.caCert, paths.caKey],
      [paths.serverCert, paths.serverKey],
    ] as const) {
      const { node } = await readCert(certFile);
      expect(node.publicKey.asymmetricKeyType).toBe('ec');
      expect(node.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
      const keyPem = await fs.readFile(keyFile, 'utf8');
      // PKCS #8: the generic header, not SEC 1's EC-specific one. The marker is assembled so that
      // a search of the repository for private keys finds none, this file included.
      expect(keyPem.split('\n')[0]).toBe(`-----BEGIN ${PRIVATE_KEY_LABEL}-----`);
      expect(node.checkPrivateKey(createPrivateKey(keyPem))).toBe(true);
    }
  });

  it('limits the server certificate to 397 days and the CA to about ten years', async () => {
    const now = new Date();
    const result = await ensure({ now });
    const { parsed: server } = await readCert(result.paths.serverCert);
    const { parsed: ca } = await readCert(result.paths.caCert);
    const serverDays = (server.notAfter.getTime() - server.notBefore.getTime()) / DAY_MS;
    expect(serverDays).toBeLessThanOrEqual(397);
    expect(serverDays).toBeGreaterThan(390);
    expect(server.notBefore.getTime()).toBeLessThanOrEqual(now.getTime());
    expect(result.serverNotAfter).toEqual(server.notAfter);
    const caYears = (ca.notAfter.getTime() - ca.notBefore.getTime()) / (365.25 * DAY_MS);
    expect(caYears).toBeGreaterThan(9.9);
    expect(caYears).toBeLessThan(10.1);
  });

  it('gives the CA critical Basic Constraints (pathLen 0), Key Usage and Name Constraints', async () => {
    const { paths } = await ensure();
    const text = openssl('x509', '-in', paths.caCert, '-noout', '-text').output;
    expect(text).toMatch(/Basic Constraints: critical\s+CA:TRUE, pathlen:0/);
    expect(text).toMatch(/Key Usage: critical\s+Certificate Sign, CRL Sign\n/);
    expect(text).toContain('Subject Key Identifier');
    const permitted = /Name Constraints: critical\s+Permitted:\n((?:\s{18}.+\n)+)/.exec(text)?.[1];
    expect(permitted?.trim().split(/\n\s*/)).toEqual([
      'DNS:vaultroom.local',
      'DNS:chat.example.org',
      'DNS:localhost',
      'IP:127.0.0.1/255.255.255.255',
      'IP:0:0:0:0:0:0:0:1/FFFF:FFFF:FFFF:FFFF:FFFF:FFFF:FFFF:FFFF',
    ]);
  });

  it('names the CA after the first host with a suffix that differs per installation', async () => {
    const first = await ensure();
    const other = await ensureCertificates({
      dataDir: path.join(dataDir, 'other'),
      hostnames: HOSTNAMES,
    });
    const a = (await readCert(first.paths.caCert)).node.subject;
    const b = (await readCert(other.paths.caCert)).node.subject;
    expect(a).toMatch(/^CN=VaultRoom local CA \(vaultroom\.local\) [0-9a-f]{8}\n/);
    expect(b).not.toBe(a);
    expect(other.caFingerprintSha256).not.toBe(first.caFingerprintSha256);
  });

  it('makes the server certificate a TLS server leaf identified by key under the CA', async () => {
    const { paths } = await ensure();
    const text = openssl('x509', '-in', paths.serverCert, '-noout', '-text').output;
    expect(text).toMatch(/Basic Constraints: critical\s+CA:FALSE/);
    expect(text).toMatch(/Key Usage: critical\s+Digital Signature\n/);
    expect(text).toMatch(/Extended Key Usage: \s*\n\s+TLS Web Server Authentication\n/);
    const { parsed: server } = await readCert(paths.serverCert);
    const { parsed: ca } = await readCert(paths.caCert);
    const aki = server.getExtension(x509.AuthorityKeyIdentifierExtension)?.keyId;
    expect(aki).toBeDefined();
    expect(aki).toBe(ca.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId);
    expect(server.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId).toMatch(/^[0-9a-f]+$/);
  });

  it('gives the server certificate a random positive serial of 128 bits', async () => {
    const first = await ensure();
    const { node: a } = await readCert(first.paths.serverCert);
    await ensure({ renewServer: true });
    const { node: b } = await readCert(first.paths.serverCert);
    for (const serial of [a.serialNumber, b.serialNumber]) {
      // Node prints the INTEGER's content octets; a leading 00 only marks a positive number.
      const value = BigInt(`0x${serial}`);
      expect(value > 0n).toBe(true);
      expect(value < 1n << 128n).toBe(true);
      expect(value >= 1n << 64n).toBe(true);
    }
    expect(b.serialNumber).not.toBe(a.serialNumber);
  });

  it('creates keys 0600, certificates 0644 and the tls directory 0700', async () => {
    const { paths } = await ensure();
    const mode = async (file: string) => (await fs.stat(file)).mode & 0o777;
    expect(await mode(paths.dir)).toBe(0o700);
    expect(await mode(paths.caKey)).toBe(0o600);
    expect(await mode(paths.serverKey)).toBe(0o600);
    expect(await mode(paths.caCert)).toBe(0o644);
    expect(await mode(paths.serverCert)).toBe(0o644);
  });

  it('tightens an existing tls directory to 0700 and leaves no temporary files', async () => {
    await fs.mkdir(path.join(dataDir, 'tls'), { mode: 0o755 });
    await fs.chmod(path.join(dataDir, 'tls'), 0o755);
    const { paths } = await ensure();
    expect((await fs.stat(paths.dir)).mode & 0o777).toBe(0o700);
    expect((await fs.readdir(paths.dir)).filter((name) => name.startsWith('.'))).toEqual([]);
  });

  it('writes private keys only inside the tls directory', async () => {
    await fs.writeFile(path.join(dataDir, 'relay.db'), 'not a key');
    const { paths } = await ensure();
    const privateKey = new RegExp(`-----BEGIN [A-Z ]*${PRIVATE_KEY_LABEL}-----`);
    const files = (await fs.readdir(dataDir, { recursive: true })).map((f) =>
      path.join(dataDir, f),
    );
    const holders: string[] = [];
    for (const file of files) {
      if ((await fs.stat(file)).isFile() && privateKey.test(await fs.readFile(file, 'utf8'))) {
        holders.push(file);
      }
    }
    expect(holders.sort()).toEqual([paths.caKey, paths.serverKey].sort());
  });
});

describe('ensureCertificates on an existing installation', () => {
  it('keeps the CA and the server certificate when nothing changed', async () => {
    const first = await ensure();
    const before = await snapshot(first.paths.dir);
    const again = await ensure();
    expect(again.createdCa).toBe(false);
    expect(again.createdServer).toBe(false);
    expect(again.caFingerprintSha256).toBe(first.caFingerprintSha256);
    expect(again.serverNotAfter).toEqual(first.serverNotAfter);
    expect(await snapshot(first.paths.dir)).toEqual(before);
  });

  it('reports the CA fingerprint as OpenSSL prints it', async () => {
    const { paths, caFingerprintSha256 } = await ensure();
    const printed = openssl('x509', '-noout', '-fingerprint', '-sha256', '-in', paths.caCert);
    expect(printed.output.trim()).toBe(`sha256 Fingerprint=${caFingerprintSha256}`);
  });

  it('issues a new server certificate under the same CA when renewServer is set', async () => {
    const first = await ensure();
    const caBefore = await fs.readFile(first.paths.caCert, 'utf8');
    const { node: before } = await readCert(first.paths.serverCert);
    const renewed = await ensure({ renewServer: true });
    const { node: after } = await readCert(first.paths.serverCert);
    expect(renewed.createdCa).toBe(false);
    expect(renewed.createdServer).toBe(true);
    expect(renewed.caFingerprintSha256).toBe(first.caFingerprintSha256);
    expect(await fs.readFile(first.paths.caCert, 'utf8')).toBe(caBefore);
    expect(after.serialNumber).not.toBe(before.serialNumber);
    expect(openssl('verify', '-CAfile', first.paths.caCert, first.paths.serverCert).status).toBe(0);
  });

  it('renews a server certificate that expires within 30 days, and not one that expires later', async () => {
    const first = await ensure();
    const notAfter = first.serverNotAfter.getTime();

    const at31 = await ensure({ now: new Date(notAfter - 31 * DAY_MS) });
    expect(at31.createdServer).toBe(false);

    const at29 = await ensure({ now: new Date(notAfter - 29 * DAY_MS) });
    expect(at29.createdServer).toBe(true);
    expect(at29.createdCa).toBe(false);
    expect(at29.serverNotAfter.getTime()).toBeGreaterThan(notAfter + 300 * DAY_MS);
  });

  it('renews the server certificate when a host name is added within the CA or removed', async () => {
    await ensure();
    // RFC 5280 dNSName constraints permit names below a permitted name.
    const added = await ensure({ hostnames: [...HOSTNAMES, 'files.chat.example.org'] });
    expect(added.createdServer).toBe(true);
    expect(added.createdCa).toBe(false);
    let { node: server } = await readCert(added.paths.serverCert);
    expect(server.checkHost('files.chat.example.org')).toBe('files.chat.example.org');

    const removed = await ensure({ hostnames: ['vaultroom.local'] });
    expect(removed.createdServer).toBe(true);
    ({ node: server } = await readCert(removed.paths.serverCert));
    expect(server.checkHost('chat.example.org')).toBeUndefined();
    expect(
      openssl('verify', '-CAfile', removed.paths.caCert, removed.paths.serverCert).status,
    ).toBe(0);
  });

  it('treats host names case-insensitively and ignores duplicates', async () => {
    await ensure();
    const again = await ensure({ hostnames: ['VaultRoom.Local', 'chat.example.org', 'localhost'] });
    expect(again.createdServer).toBe(false);
  });

  it('refuses a host name outside the CA until newCa is set, then replaces the CA', async () => {
    const first = await ensure();
    const before = await snapshot(first.paths.dir);
    const hostnames = [...HOSTNAMES, 'chat.example.net'];

    const error = await rejection(ensure({ hostnames }));
    expect(error.code).toBe('HOSTNAME_OUTSIDE_CA');
    expect(error.message).toContain('chat.example.net');
    expect(error.message).toContain('vaultroom certs --new-ca');
    expect(await snapshot(first.paths.dir)).toEqual(before);

    const replaced = await ensure({ hostnames, newCa: true });
    expect(replaced.createdCa).toBe(true);
    expect(replaced.createdServer).toBe(true);
    expect(replaced.caFingerprintSha256).not.toBe(first.caFingerprintSha256);
    const { node: server } = await readCert(replaced.paths.serverCert);
    expect(server.checkHost('chat.example.net')).toBe('chat.example.net');
    expect(
      openssl('verify', '-CAfile', replaced.paths.caCert, replaced.paths.serverCert).status,
    ).toBe(0);
  });

  it('replaces a server certificate that another CA issued', async () => {
    const { paths } = await ensure();
    const other = await ensureCertificates({
      dataDir: path.join(dataDir, 'other'),
      hostnames: HOSTNAMES,
    });
    await fs.copyFile(other.paths.serverCert, paths.serverCert);
    await fs.copyFile(other.paths.serverKey, paths.serverKey);
    const again = await ensure();
    expect(again.createdServer).toBe(true);
    expect(openssl('verify', '-CAfile', paths.caCert, paths.serverCert).status).toBe(0);
  });

  it('replaces a server key that does not match the certificate', async () => {
    const { paths } = await ensure();
    const other = await ensureCertificates({
      dataDir: path.join(dataDir, 'other'),
      hostnames: HOSTNAMES,
    });
    await fs.copyFile(other.paths.serverKey, paths.serverKey);
    expect((await ensure()).createdServer).toBe(true);
    const { node: server } = await readCert(paths.serverCert);
    expect(server.checkPrivateKey(createPrivateKey(await fs.readFile(paths.serverKey)))).toBe(true);
  });

  it.each([
    ['ca-key.pem', 'CA certificate'],
    ['ca.pem', 'CA key'],
  ])(
    'fails with CA_INCOMPLETE instead of overwriting when %s is missing',
    async (missing, found) => {
      const { paths } = await ensure();
      await fs.rm(path.join(paths.dir, missing));
      const before = await snapshot(paths.dir);
      const error = await rejection(ensure());
      expect(error.code).toBe('CA_INCOMPLETE');
      expect(error.message).toContain(`Found the ${found}`);
      expect(error.message).toContain('vaultroom certs --new-ca');
      expect(await snapshot(paths.dir)).toEqual(before);

      expect((await ensure({ newCa: true })).createdCa).toBe(true);
    },
  );

  it('fails with CA_UNREADABLE when the CA key belongs to another CA', async () => {
    const { paths } = await ensure();
    const other = await ensureCertificates({
      dataDir: path.join(dataDir, 'other'),
      hostnames: HOSTNAMES,
    });
    await fs.copyFile(other.paths.caKey, paths.caKey);
    const error = await rejection(ensure());
    expect(error.code).toBe('CA_UNREADABLE');
  });

  it('fails with CA_UNREADABLE, without echoing the file, when the CA key is not PEM', async () => {
    const { paths } = await ensure();
    await fs.writeFile(paths.caKey, 'secret-looking garbage');
    const error = await rejection(ensure());
    expect(error.code).toBe('CA_UNREADABLE');
    expect(error.message).not.toContain('garbage');
  });

  it('fails with CA_EXPIRED when the CA is within 30 days of expiry', async () => {
    const { paths } = await ensure();
    const { parsed: ca } = await readCert(paths.caCert);
    const error = await rejection(ensure({ now: new Date(ca.notAfter.getTime() - 10 * DAY_MS) }));
    expect(error.code).toBe('CA_EXPIRED');
    expect(error.message).toContain('--new-ca');
  });

  it('rejects invalid host names before touching the disk', async () => {
    const error = await rejection(ensure({ hostnames: ['*.example.org'] }));
    expect(error.code).toBe('INVALID_HOSTNAME');
    await expect(fs.readdir(dataDir)).resolves.toEqual([]);
  });
});

describe('the CA name constraints', () => {
  /** Signs a leaf with OpenSSL alone, as an attacker holding ca-key.pem would. */
  async function signLeafWithCaKey(dnsName: string) {
    const { paths } = await ensure();
    const work = await fs.mkdtemp(path.join(os.tmpdir(), 'vaultroom-rogue-'));
    try {
      const key = path.join(work, 'leaf-key.pem');
      const csr = path.join(work, 'leaf.csr');
      const ext = path.join(work, 'leaf.ext');
      const leaf = path.join(work, 'leaf.pem');
      await fs.writeFile(
        ext,
        `basicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:${dnsName}\n`,
      );
      // prettier-ignore
      const req = openssl(
        'req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
        '-keyout', key, '-subj', `/CN=${dnsName}`, '-out', csr,
      );
      expect(req.status, req.output).toBe(0);
      // prettier-ignore
      const sign = openssl(
        'x509', '-req', '-in', csr, '-CA', paths.caCert, '-CAkey', paths.caKey,
        '-set_serial', '0x5eed', '-days', '30', '-extfile', ext, '-out', leaf,
      );
      expect(sign.status, sign.output).toBe(0);
      return openssl('verify', '-CAfile', paths.caCert, leaf);
    } finally {
      await fs.rm(work, { recursive: true, force: true });
    }
  }

  it('make OpenSSL reject a leaf for another site signed with the CA key', async () => {
    const verify = await signLeafWithCaKey('evil.example');
    expect(verify.status).not.toBe(0);
    expect(verify.output).toMatch(/permitted subtree violation/);
  });

  it('still let OpenSSL accept a leaf for a permitted name signed the same way', async () => {
    const verify = await signLeafWithCaKey('vaultroom.local');
    expect(verify.output).toMatch(/: OK$/m);
    expect(verify.status).toBe(0);
  });
});
