import { X509Certificate, createPrivateKey } from 'node:crypto';
import { isIPv6 } from 'node:net';
import type { CertificateNames } from './certificateNames.js';
import type { LoadedCa } from './loadCa.js';
import { readPemFile } from './readPemFile.js';
import type { TlsPaths } from './tlsPaths.js';
import { x509 } from './x509.js';

export type ServerRenewalReason =
  | 'missing'
  | 'unreadable'
  | 'other-ca'
  | 'key-mismatch'
  | 'not-yet-valid'
  | 'expiring'
  | 'names-changed';

/**
 * Renew this long before expiry: the relay checks at start and `vaultroom certs` runs by hand, so a
 * month leaves room for a relay that is restarted rarely.
 */
export const RENEW_BEFORE_MS = 30 * 24 * 60 * 60 * 1000;

/**
 * Why the server certificate on disk cannot be kept, or null when it can. The server pair is derived
 * from the CA and trusted through it, so replacing it never costs users anything: any doubt renews.
 */
export async function serverRenewalReason(
  paths: TlsPaths,
  ca: LoadedCa,
  names: CertificateNames,
  now: Date,
): Promise<ServerRenewalReason | null> {
  const [certPem, keyPem] = await Promise.all([
    readPemFile(paths.serverCert),
    readPemFile(paths.serverKey),
  ]);
  if (certPem === null || keyPem === null) return 'missing';

  let cert: X509Certificate;
  let parsed: x509.X509Certificate;
  try {
    cert = new X509Certificate(certPem);
    parsed = new x509.X509Certificate(certPem);
    if (!cert.checkPrivateKey(createPrivateKey(keyPem))) return 'key-mismatch';
  } catch {
    return 'unreadable';
  }
  // A new CA (`--new-ca`, or a restored backup) leaves a server certificate nobody trusts.
  if (!cert.checkIssued(ca.cert) || !cert.verify(ca.cert.publicKey)) return 'other-ca';
  if (parsed.notBefore.getTime() > now.getTime()) return 'not-yet-valid';
  if (parsed.notAfter.getTime() - now.getTime() < RENEW_BEFORE_MS) return 'expiring';
  if (!sameNames(parsed, names)) return 'names-changed';
  return null;
}

function sameNames(cert: x509.X509Certificate, names: CertificateNames): boolean {
  const san = cert.getExtension(x509.SubjectAlternativeNameExtension);
  if (san === null) return false;
  const have = new Set<string>();
  for (const { type, value } of san.names.toJSON()) {
    if (type === 'dns') have.add(`dns:${value.toLowerCase()}`);
    else if (type === 'ip') have.add(`ip:${canonicalIp(value)}`);
    else have.add(`${type}:${value}`);
  }
  const want = new Set([
    ...names.dns.map((name) => `dns:${name}`),
    ...names.ip.map((ip) => `ip:${canonicalIp(ip)}`),
  ]);
  return have.size === want.size && [...want].every((name) => have.has(name));
}

/** One spelling per address ("::1" and "0:0:0:0:0:0:0:1" are the same), via the URL parser. */
function canonicalIp(ip: string): string {
  return isIPv6(ip) ? new URL(`http://[${ip}]/`).hostname : ip;
}
