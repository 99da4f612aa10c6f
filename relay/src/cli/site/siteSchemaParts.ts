import { isIPv4, isIPv6 } from 'node:net';
import path from 'node:path';
import * as v from 'valibot';

// RFC 1123 labels: letters, digits and inner hyphens, 1..63 characters.
const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

export const isDnsLabel = (name: string) => LABEL.test(name);
const isDnsName = (name: string) =>
  name.length <= 253 && name.split('.').every(isDnsLabel) && name.includes('.');
const isUnixName = (name: string) => /^[a-z_][a-z0-9_-]{0,30}$/.test(name);

/** The valibot pieces the site schema is built from, each naming its setting in its message. */
export const dnsName = (what: string) =>
  v.pipe(
    v.string(),
    v.toLowerCase(),
    v.check(
      isDnsName,
      `${what} must be a DNS name with at least two labels, such as lab.home.arpa`,
    ),
  );
export const dnsLabel = (what: string) =>
  v.pipe(
    v.string(),
    v.toLowerCase(),
    v.check(
      isDnsLabel,
      `${what} must be one DNS label (letters, digits, inner hyphens), such as relay1`,
    ),
  );
export const ipv4 = (what: string) =>
  v.pipe(v.string(), v.check(isIPv4, `${what} must be an IPv4 address such as 192.168.50.10`));
export const ipv6 = (what: string) =>
  v.pipe(
    v.string(),
    v.toLowerCase(),
    v.check(
      (text) => isIPv6(text) && !text.includes('.') && !text.includes('%'),
      `${what} must be an IPv6 address such as fd42:7661:756c:7400::10`,
    ),
  );
export const port = (what: string) =>
  v.pipe(
    v.number(`${what} must be a number`),
    v.integer(`${what} must be a whole number`),
    v.minValue(1, `${what} must be between 1 and 65535`),
    v.maxValue(65535, `${what} must be between 1 and 65535`),
  );
export const wholeNumber = (what: string, min: number, max: number) =>
  v.pipe(
    v.number(`${what} must be a number`),
    v.integer(`${what} must be a whole number`),
    v.minValue(min, `${what} must be from ${min} to ${max}`),
    v.maxValue(max, `${what} must be from ${min} to ${max}`),
  );
export const absolutePath = (what: string) =>
  v.pipe(
    v.string(),
    v.check(
      (text) => path.posix.isAbsolute(text) && path.posix.normalize(text) === text,
      `${what} must be a normalised absolute path such as /var/lib/vaultroom`,
    ),
    // Paths go into shell, systemd and BIND files: keep them to characters none of these quote.
    v.regex(/^[A-Za-z0-9/._+-]+$/, `${what} may hold only letters, digits and / . _ + -`),
  );
export const unixName = (what: string) =>
  v.pipe(v.string(), v.check(isUnixName, `${what} must be a user name`));
