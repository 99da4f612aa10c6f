import { beforeAll, describe, expect, it } from 'vitest';
import { certificateNames } from './certificateNames.js';
import { issueCaCertificate } from './issueCaCertificate.js';
import { namesOutsideConstraints } from './namesOutsideConstraints.js';
import { x509 } from './x509.js';

let ca: x509.X509Certificate;

beforeAll(async () => {
  const issued = await issueCaCertificate(certificateNames(['vaultroom.local']), new Date());
  ca = new x509.X509Certificate(issued.certPem);
});

const outside = (dns: string[], ip: string[] = []) => namesOutsideConstraints(ca, { dns, ip });

describe('namesOutsideConstraints', () => {
  it('permits the names the CA was made for, localhost and the loopback addresses', () => {
    expect(outside(['vaultroom.local', 'localhost'], ['127.0.0.1', '::1'])).toEqual([]);
  });

  it('permits names below a permitted name, as RFC 5280 §4.2.1.10 requires', () => {
    expect(outside(['chat.vaultroom.local', 'a.b.localhost'])).toEqual([]);
  });

  it('rejects other names, including ones that merely end in the same characters', () => {
    expect(
      outside(['evil.example', 'evilvaultroom.local', 'vaultroom.local.evil.example']),
    ).toEqual(['evil.example', 'evilvaultroom.local', 'vaultroom.local.evil.example']);
  });

  it('rejects addresses other than loopback', () => {
    expect(outside([], ['127.0.0.2', '192.168.1.10', '::2'])).toEqual([
      '127.0.0.2',
      '192.168.1.10',
      '::2',
    ]);
  });

  it('accepts anything from a CA without name constraints', async () => {
    const keys = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, [
      'sign',
      'verify',
    ]);
    const unconstrained = await x509.X509CertificateGenerator.createSelfSigned({
      name: 'CN=unconstrained',
      keys,
      extensions: [new x509.BasicConstraintsExtension(true, 0, true)],
    });
    expect(
      namesOutsideConstraints(unconstrained, { dns: ['evil.example'], ip: ['10.0.0.1'] }),
    ).toEqual([]);
  });
});
