import { randomBytes } from 'node:crypto';
import type { CertificateNames } from './certificateNames.js';
import { createNameConstraintsExtension } from './createNameConstraintsExtension.js';
import { generateKeyPair, privateKeyPem, toSigningKey } from './generateKeyPair.js';
import { randomSerialNumber } from './randomSerialNumber.js';
import { x509 } from './x509.js';

export interface IssuedCertificate {
  certPem: string;
  keyPem: string;
}

const HOUR_MS = 60 * 60 * 1000;
const DAY_MS = 24 * HOUR_MS;

/**
 * Ten years: every device imports the CA by hand, and replacing it means doing that again on each of
 * them, so it should outlive the hardware. The long life is bounded in risk by the name constraints
 * (a stolen key only vouches for the relay's own names) and by the short-lived server certificates
 * that do the actual work.
 */
export const CA_VALIDITY_MS = 3652 * DAY_MS;

/**
 * Backdating notBefore by an hour lets devices whose clock runs a little slow accept a fresh
 * certificate.
 */
export const CLOCK_SKEW_MS = HOUR_MS;

/** CN is capped at 64 characters by RFC 5280's ub-common-name. */
const MAX_CN = 64;

/**
 * Creates the relay's self-signed CA: a root that may sign only end-entity certificates (pathLen 0)
 * and only for the relay's own names.
 */
export async function issueCaCertificate(
  names: CertificateNames,
  now: Date,
): Promise<IssuedCertificate> {
  const keys = generateKeyPair();
  const notBefore = new Date(now.getTime() - CLOCK_SKEW_MS);
  const name = [{ CN: [caCommonName(names.dns[0] ?? 'localhost')] }, { O: ['VaultRoom'] }];
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerialNumber(),
    subject: name,
    issuer: name,
    notBefore,
    notAfter: new Date(notBefore.getTime() + CA_VALIDITY_MS),
    publicKey: keys.spki,
    signingKey: await toSigningKey(keys.privateKey),
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign,
        true,
      ),
      await x509.SubjectKeyIdentifierExtension.create(keys.spki),
      createNameConstraintsExtension(names),
    ],
  });
  return { certPem: cert.toString('pem'), keyPem: privateKeyPem(keys.privateKey) };
}

function caCommonName(firstHostname: string): string {
  // The random suffix tells two installations' CAs apart in a device's certificate list, where
  // both would otherwise read "VaultRoom local CA (vaultroom.local)".
  const suffix = randomBytes(4).toString('hex');
  const room = MAX_CN - `VaultRoom local CA () ${suffix}`.length;
  const host =
    firstHostname.length <= room ? firstHostname : `${firstHostname.slice(0, room - 3)}...`;
  return `VaultRoom local CA (${host}) ${suffix}`;
}
