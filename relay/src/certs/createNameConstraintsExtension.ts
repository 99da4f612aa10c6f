import { AsnConvert } from '@peculiar/asn1-schema';
import {
  GeneralName,
  GeneralSubtree,
  GeneralSubtrees,
  NameConstraints,
  id_ce_nameConstraints,
} from '@peculiar/asn1-x509';
import type { CertificateNames } from './certificateNames.js';
import { x509 } from './x509.js';

/**
 * The CA's Name Constraints extension (RFC 5280 §4.2.1.10): it permits only the relay's own names, so
 * that anyone who steals the CA key cannot use the trust users placed in it to impersonate other
 * sites. Critical, as §4.2.1.10 requires; verifiers that do not understand it must reject the chain.
 *
 * A dNSName constraint also permits names below it (§4.2.1.10: "any DNS name that can be constructed
 * by simply adding zero or more labels to the left-hand side"). Loopback addresses are permitted as
 * single-address ranges (/32, /128).
 */
export function createNameConstraintsExtension(names: CertificateNames): x509.Extension {
  const permitted = [
    ...names.dns.map((dNSName) => new GeneralName({ dNSName })),
    ...names.ip.map((ip) => new GeneralName({ iPAddress: `${ip}/${ip.includes(':') ? 128 : 32}` })),
  ];
  const value = new NameConstraints({
    permittedSubtrees: new GeneralSubtrees(permitted.map((base) => new GeneralSubtree({ base }))),
  });
  return new x509.Extension(id_ce_nameConstraints, true, AsnConvert.serialize(value));
}
