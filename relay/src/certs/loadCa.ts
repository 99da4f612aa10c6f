import { X509Certificate, createPrivateKey } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import path from 'node:path';
import { CertificateError } from './CertificateError.js';
import { EC_CURVE } from './generateKeyPair.js';
import { readPemFile } from './readPemFile.js';
import type { TlsPaths } from './tlsPaths.js';
import { x509 } from './x509.js';

export interface LoadedCa {
  /** Node's view, for verification, fingerprints and key matching. */
  cert: X509Certificate;
  /** The library's view, for reading extensions. */
  parsed: x509.X509Certificate;
  key: KeyObject;
}

const NEW_CA_HINT =
  'run `vaultroom certs --new-ca` to create a new CA and import the new ca.pem on every device';

/**
 * Reads the CA certificate and key, or returns null when neither exists. Half a CA is an error rather
 * than a reason to make a new one: silently replacing the CA would break every device that trusts the
 * old one, and a lone key or certificate usually means a backup restored only in part.
 */
export async function loadCa(paths: TlsPaths): Promise<LoadedCa | null> {
  const [certPem, keyPem] = await Promise.all([
    readPemFile(paths.caCert),
    readPemFile(paths.caKey),
  ]);
  if (certPem === null && keyPem === null) return null;
  if (certPem === null) {
    throw new CertificateError(
      'CA_INCOMPLETE',
      `Found the CA key ${paths.caKey} but not its certificate ${paths.caCert}. Restore ` +
        `${path.basename(paths.caCert)} from a backup, or ${NEW_CA_HINT}.`,
    );
  }
  if (keyPem === null) {
    throw new CertificateError(
      'CA_INCOMPLETE',
      `Found the CA certificate ${paths.caCert} but not its key ${paths.caKey}. Restore ` +
        `${path.basename(paths.caKey)} from a backup, or ${NEW_CA_HINT}.`,
    );
  }

  let cert: X509Certificate;
  let parsed: x509.X509Certificate;
  try {
    cert = new X509Certificate(certPem);
    parsed = new x509.X509Certificate(certPem);
  } catch (cause) {
    throw new CertificateError(
      'CA_UNREADABLE',
      `${paths.caCert} is not a PEM certificate. Restore it from a backup, or ${NEW_CA_HINT}.`,
      { cause },
    );
  }
  let key: KeyObject;
  try {
    key = createPrivateKey(keyPem);
  } catch (cause) {
    // The cause is kept for operators, but never the key text itself.
    throw new CertificateError(
      'CA_UNREADABLE',
      `${paths.caKey} is not an unencrypted PEM private key. Restore it from a backup, or ` +
        `${NEW_CA_HINT}.`,
      { cause },
    );
  }
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== EC_CURVE) {
    throw new CertificateError(
      'CA_UNREADABLE',
      `${paths.caKey} is not an ECDSA P-256 key, the only kind this relay issues with; ` +
        `${NEW_CA_HINT}.`,
    );
  }
  if (!cert.ca || !cert.checkPrivateKey(key)) {
    throw new CertificateError(
      'CA_UNREADABLE',
      `${paths.caCert} and ${paths.caKey} are not a CA certificate and its key. Restore the ` +
        `matching pair from a backup, or ${NEW_CA_HINT}.`,
    );
  }
  return { cert, parsed, key };
}
