import type { Sodium } from './Sodium.js';
import { concatBytes } from './bytes.js';
import { deriveKey } from './deriveKey.js';
import { SAFETY_NUMBER_ITERATIONS } from './labels.js';

/** Byte order, shorter first on a tie: sorts key sets and orders the two fingerprints. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const diff = (a[i] ?? 0) - (b[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return a.length - b.length;
}

/**
 * One side's fingerprint (PROTOCOL.md §1.10.1, §1.15.4), after Signal's
 * NumericFingerprintGenerator with BLAKE2b-512: hash the input, then the hash and the keys again,
 * SAFETY_NUMBER_ITERATIONS times, and keep the first `bytes`.
 */
export function stretchFingerprint(
  sodium: Sodium,
  label: string,
  input: Uint8Array,
  keys: Uint8Array,
  bytes: number,
): Uint8Array {
  let hash = deriveKey(sodium, label, null, input, 64);
  for (let i = 0; i < SAFETY_NUMBER_ITERATIONS; i++) {
    hash = deriveKey(sodium, label, null, concatBytes(hash, keys), 64);
  }
  return hash.slice(0, bytes);
}

/** Six groups of five digits: each 5-byte big-endian chunk modulo 100000 (Signal's encoding). */
function digitsOf(fp: Uint8Array): string {
  let out = '';
  for (let i = 0; i < 30; i += 5) {
    let value = 0;
    for (let j = 0; j < 5; j++) value = value * 256 + (fp[i + j] ?? 0);
    out += String(value % 100000).padStart(5, '0');
  }
  return out;
}

/** The number both sides show: the two fingerprints in byte order, as digits and as QR bytes. */
export function combineFingerprints(
  qrVersion: number,
  a: Uint8Array,
  b: Uint8Array,
): { digits: string; qrPayload: Uint8Array } {
  const [first, second] = compareBytes(a, b) <= 0 ? [a, b] : [b, a];
  return {
    digits: digitsOf(first) + digitsOf(second),
    qrPayload: concatBytes(Uint8Array.of(qrVersion), first, second),
  };
}
