import { randomBytes } from 'node:crypto';

/**
 * A random positive serial of 128 bits, hex encoded. CA/Browser Forum Baseline Requirements §7.1 ask
 * for at least 64 bits of randomness, so that a chosen-prefix collision cannot be set up in advance;
 * RFC 5280 §4.1.2.2 caps the encoding at 20 octets. The library adds a leading zero octet when the top
 * bit is set, which keeps the INTEGER positive.
 */
export function randomSerialNumber(): string {
  const bytes = randomBytes(16);
  // An all-zero draw would make the library substitute its own serial; forbid it outright.
  bytes[15] = (bytes[15] ?? 0) | 1;
  return bytes.toString('hex');
}
