import { BlockList, isIPv6 } from 'node:net';
import { AsnConvert } from '@peculiar/asn1-schema';
import { NameConstraints, id_ce_nameConstraints } from '@peculiar/asn1-x509';
import type { GeneralSubtree } from '@peculiar/asn1-x509';
import type { CertificateNames } from './certificateNames.js';
import type { x509 } from './x509.js';

/**
 * Returns the names (DNS names and IP addresses) that the CA's Name Constraints would reject, so that
 * a server certificate is never issued that browsers refuse. Applies the matching rules of RFC 5280
 * §4.2.1.10 for the two name forms a VaultRoom certificate carries; a CA without the extension
 * constrains nothing.
 */
export function namesOutsideConstraints(
  ca: x509.X509Certificate,
  names: CertificateNames,
): string[] {
  const extension = ca.getExtension(id_ce_nameConstraints);
  if (extension === null) return [];
  const constraints = AsnConvert.parse(extension.value, NameConstraints);
  const permitted = collect(constraints.permittedSubtrees);
  const excluded = collect(constraints.excludedSubtrees);

  const dnsAllowed = (name: string) =>
    (permitted.dns.length === 0 || permitted.dns.some((base) => dnsWithin(name, base))) &&
    !excluded.dns.some((base) => dnsWithin(name, base));
  const ipAllowed = (ip: string) => {
    const type = isIPv6(ip) ? 'ipv6' : 'ipv4';
    const hasForm = permitted.ip.some((range) => range.type === type);
    return (!hasForm || inRanges(ip, type, permitted.ip)) && !inRanges(ip, type, excluded.ip);
  };

  return [...names.dns.filter((n) => !dnsAllowed(n)), ...names.ip.filter((ip) => !ipAllowed(ip))];
}

interface IpRange {
  address: string;
  prefix: number;
  type: 'ipv4' | 'ipv6';
}

function collect(subtrees: readonly GeneralSubtree[] | undefined) {
  const dns: string[] = [];
  const ip: IpRange[] = [];
  for (const { base } of subtrees ?? []) {
    if (base.dNSName !== undefined) dns.push(base.dNSName.toLowerCase());
    if (base.iPAddress !== undefined) {
      // The ASN.1 layer renders an address-and-mask pair as "address/prefix".
      const [address = '', prefix = ''] = base.iPAddress.split('/');
      ip.push({ address, prefix: Number(prefix), type: isIPv6(address) ? 'ipv6' : 'ipv4' });
    }
  }
  return { dns, ip };
}

function dnsWithin(name: string, base: string): boolean {
  if (base === '') return true;
  // A leading dot is the common (OpenSSL) reading of "strict subdomains only".
  if (base.startsWith('.')) return name.endsWith(base);
  return name === base || name.endsWith(`.${base}`);
}

function inRanges(ip: string, type: 'ipv4' | 'ipv6', ranges: readonly IpRange[]): boolean {
  const list = new BlockList();
  for (const range of ranges) {
    if (range.type === type) list.addSubnet(range.address, range.prefix, type);
  }
  return list.check(ip, type);
}
