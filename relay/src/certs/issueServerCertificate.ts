import type { CertificateNames } from './certificateNames.js';
import { generateKeyPair, privateKeyPem, toSigningKey } from './generateKeyPair.js';
import { CLOCK_SKEW_MS } from './issueCaCertificate.js';
import type { IssuedCertificate } from './issueCaCertificate.js';
import type { LoadedCa } from './loadCa.js';
import { randomSerialNumber } from './randomSerialNumber.js';
import { x509 } from './x509.js';

/**
 * 397 days: within the 398-day ceiling Apple and Chrome have enforced on publicly trusted server
 * certificates since 2020, with a day's margin. Roots a user installs are held only to Apple's
 * 825-day rule, so this is stricter than needed. The CA/Browser Forum's later cuts (ballot SC-081:
 * 200 days from March 2026, falling to 47 by 2029) bind public CAs, not a local one.
 */
export const SERVER_VALIDITY_MS = 397 * 24 * 60 * 60 * 1000;

const MAX_CN = 64;

/**
 * Issues the relay's TLS server certificate, signed by the local CA. Clients match the host name
 * against the Subject Alternative Names only (RFC 6125 §6.4.4; Chrome and Apple ignore the CN), so
 * the SAN lists every name and the CN is just a label.
 */
export async function issueServerCertificate(
  ca: LoadedCa,
  names: CertificateNames,
  now: Date,
): Promise<IssuedCertificate> {
  const keys = generateKeyPair();
  const notBefore = new Date(now.getTime() - CLOCK_SKEW_MS);
  // Never outlive the issuer: a chain is only valid while every certificate in it is.
  const notAfter = new Date(
    Math.min(notBefore.getTime() + SERVER_VALIDITY_MS, ca.parsed.notAfter.getTime()),
  );
  const caKeyId = ca.parsed.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId;
  const firstName = names.dns[0] ?? 'localhost';

  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerialNumber(),
    subject: [{ CN: [firstName.length <= MAX_CN ? firstName : 'VaultRoom relay'] }],
    issuer: ca.parsed.subjectName,
    notBefore,
    notAfter,
    publicKey: keys.spki,
    signingKey: await toSigningKey(ca.key),
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([
        ...names.dns.map((value) => ({ type: 'dns' as const, value })),
        ...names.ip.map((value) => ({ type: 'ip' as const, value })),
      ]),
      await x509.SubjectKeyIdentifierExtension.create(keys.spki),
      caKeyId === undefined
        ? await x509.AuthorityKeyIdentifierExtension.create(ca.parsed.publicKey)
        : new x509.AuthorityKeyIdentifierExtension(caKeyId),
    ],
  });
  return { certPem: cert.toString('pem'), keyPem: privateKeyPem(keys.privateKey) };
}
