import { isIP } from 'node:net';
import { domainToASCII } from 'node:url';
import { CertificateError } from './CertificateError.js';

// RFC 1035 §2.3.1 as relaxed by RFC 1123 §2.1: letters, digits and inner hyphens, 1–63 octets.
const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const MAX_NAME_LENGTH = 253;

/**
 * Checks the configured host names and returns them in the form certificates carry: lower case,
 * A-labels for internationalised names, no duplicates, in the order given. Each name becomes a dNSName
 * in the CA's name constraints and the server certificate, so a bad one must fail here with a message
 * naming it, not later as an opaque encoding or verification error.
 */
export function normalizeHostnames(hostnames: readonly string[]): string[] {
  if (hostnames.length === 0) {
    throw new CertificateError('INVALID_HOSTNAME', 'At least one host name is required.');
  }
  const result: string[] = [];
  for (const raw of hostnames) {
    const name = normalizeHostname(raw);
    if (!result.includes(name)) result.push(name);
  }
  return result;
}

function normalizeHostname(raw: string): string {
  const shown = JSON.stringify(raw);
  const fail = (why: string) =>
    new CertificateError('INVALID_HOSTNAME', `Host name ${shown} is not valid: ${why}.`);

  if (raw.trim() === '') throw fail('it is empty');
  if (raw.includes('*')) {
    // A wildcard would widen the CA's name constraints to a whole domain.
    throw fail('wildcards are not allowed; list each host name');
  }
  if (isIP(raw) !== 0 || isIP(raw.replace(/^\[|\]$/g, '')) !== 0) {
    // WebAuthn relying party IDs must be domains, so passkeys cannot work on an IP address.
    throw fail('an IP address cannot be used; use a DNS name');
  }
  if (raw.endsWith('.')) throw fail('remove the trailing dot');

  // domainToASCII lower-cases, applies IDNA (UTS #46) and returns '' for what a URL host cannot be.
  const ascii = domainToASCII(raw);
  if (ascii === '') throw fail('it is not a DNS name');
  if (ascii.length > MAX_NAME_LENGTH) throw fail(`it is longer than ${MAX_NAME_LENGTH} characters`);
  const labels = ascii.split('.');
  for (const label of labels) {
    if (!LABEL.test(label)) {
      throw fail(`label ${JSON.stringify(label)} must be 1–63 letters, digits or inner hyphens`);
    }
  }
  // The URL standard parses a host whose last label is numeric as an IPv4 address ("10.1", "0x7f.1").
  if (/^(?:\d+|0x[0-9a-f]*)$/.test(labels[labels.length - 1] ?? '')) {
    throw fail('the last label must not be a number');
  }
  return ascii;
}
