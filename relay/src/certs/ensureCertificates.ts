import fs from 'node:fs/promises';
import { CertificateError } from './CertificateError.js';
import { certificateNames } from './certificateNames.js';
import type { CertificateNames } from './certificateNames.js';
import { issueCaCertificate } from './issueCaCertificate.js';
import type { IssuedCertificate } from './issueCaCertificate.js';
import { issueServerCertificate } from './issueServerCertificate.js';
import { loadCa } from './loadCa.js';
import type { LoadedCa } from './loadCa.js';
import { namesOutsideConstraints } from './namesOutsideConstraints.js';
import { normalizeHostnames } from './normalizeHostnames.js';
import { readPemFile } from './readPemFile.js';
import { RENEW_BEFORE_MS, serverRenewalReason } from './serverRenewalReason.js';
import { tlsPaths } from './tlsPaths.js';
import type { TlsPaths } from './tlsPaths.js';
import { writeFileAtomic } from './writeFileAtomic.js';
import { x509 } from './x509.js';

export interface EnsureCertificatesOptions {
  dataDir: string;
  /** The relay's public host names; the CA is constrained to these (plus localhost and loopback). */
  hostnames: readonly string[];
  /** Issue a new server certificate even if the current one is still good. */
  renewServer?: boolean;
  /** Replace the CA as well; every device must then import the new `ca.pem`. */
  newCa?: boolean;
  /** The time to issue and check validity against; the current time when absent. */
  now?: Date;
}

export interface EnsureCertificatesResult {
  paths: TlsPaths;
  createdCa: boolean;
  createdServer: boolean;
  serverNotAfter: Date;
  /** Colon-separated upper-case hex, the format `openssl x509 -fingerprint -sha256` prints. */
  caFingerprintSha256: string;
}

const DIR_MODE = 0o700;
const KEY_MODE = 0o600;
const CERT_MODE = 0o644;

/**
 * Makes sure `<dataDir>/tls` holds a local CA and a current server certificate issued by it for
 * `hostnames`, creating or renewing what is missing, expiring or stale. The CA is never replaced
 * unless `newCa` is set, because devices trust it by hand.
 *
 * @throws CertificateError `INVALID_HOSTNAME`, `CA_INCOMPLETE`, `CA_UNREADABLE`, `CA_EXPIRED`,
 *   `HOSTNAME_OUTSIDE_CA`.
 */
export async function ensureCertificates(
  opts: EnsureCertificatesOptions,
): Promise<EnsureCertificatesResult> {
  const names = certificateNames(normalizeHostnames(opts.hostnames));
  const now = opts.now ?? new Date();
  const paths = tlsPaths(opts.dataDir);

  await fs.mkdir(paths.dir, { recursive: true, mode: DIR_MODE });
  // mkdir leaves an existing directory's mode alone, and the umask may have narrowed a new one.
  await fs.chmod(paths.dir, DIR_MODE);

  let ca = opts.newCa === true ? null : await loadCa(paths);
  if (ca !== null) checkCaUsable(ca, paths, names, now);

  const createdCa = ca === null;
  ca ??= await writeCa(paths, await issueCaCertificate(names, now));

  const createdServer =
    createdCa ||
    opts.renewServer === true ||
    (await serverRenewalReason(paths, ca, names, now)) !== null;
  if (createdServer) {
    await writePair(
      paths.serverCert,
      paths.serverKey,
      await issueServerCertificate(ca, names, now),
    );
  }
  const serverPem = await readPemFile(paths.serverCert);
  if (serverPem === null) throw new Error(`${paths.serverCert} vanished while in use`);

  return {
    paths,
    createdCa,
    createdServer,
    serverNotAfter: new x509.X509Certificate(serverPem).notAfter,
    caFingerprintSha256: ca.cert.fingerprint256,
  };
}

function checkCaUsable(ca: LoadedCa, paths: TlsPaths, names: CertificateNames, now: Date): void {
  // Within the renewal window a server certificate would have to be renewed at every start.
  if (ca.parsed.notAfter.getTime() - now.getTime() < RENEW_BEFORE_MS) {
    throw new CertificateError(
      'CA_EXPIRED',
      `The local CA ${paths.caCert} is valid only until ${ca.parsed.notAfter.toISOString()}. Run ` +
        '`vaultroom certs --new-ca` and import the new ca.pem on every device.',
    );
  }
  const outside = namesOutsideConstraints(ca.parsed, names);
  if (outside.length > 0) {
    throw new CertificateError(
      'HOSTNAME_OUTSIDE_CA',
      `The local CA ${paths.caCert} may only vouch for the host names it was created for, which ` +
        `do not include ${outside.join(', ')}. Run \`vaultroom certs --new-ca\` and import the ` +
        'new ca.pem on every device.',
    );
  }
}

async function writeCa(paths: TlsPaths, issued: IssuedCertificate): Promise<LoadedCa> {
  await writePair(paths.caCert, paths.caKey, issued);
  const loaded = await loadCa(paths);
  if (loaded === null) throw new Error(`${paths.caCert} vanished while in use`);
  return loaded;
}

/**
 * Each file is replaced atomically, the pair is not: a failure between the two leaves a mismatched
 * pair, which the next run detects (renewing a server pair, refusing a CA pair) instead of serving.
 */
async function writePair(certFile: string, keyFile: string, issued: IssuedCertificate) {
  await writeFileAtomic(keyFile, issued.keyPem, KEY_MODE);
  await writeFileAtomic(certFile, issued.certPem, CERT_MODE);
}
