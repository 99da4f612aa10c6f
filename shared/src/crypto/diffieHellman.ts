import type { Sodium } from './Sodium.js';
import { CryptoError } from './CryptoError.js';
import { SIZES } from './labels.js';

/**
 * X25519 with the contributory check X3DH §3.3 / PQXDH §4 ask for: libsodium's
 * crypto_scalarmult already fails on low-order points (it returns -1 for an all-zero result);
 * we turn that into LOW_ORDER_KEY and check the output again ourselves, so a future binding
 * that stops throwing cannot silently yield a predictable shared secret.
 */
export function diffieHellman(
  sodium: Sodium,
  privateKey: Uint8Array,
  publicKey: Uint8Array,
): Uint8Array {
  if (publicKey.length !== SIZES.x25519 || privateKey.length !== SIZES.x25519) {
    throw new CryptoError('MALFORMED', 'X25519 key has the wrong length');
  }
  let shared: Uint8Array;
  try {
    shared = sodium.crypto_scalarmult(privateKey, publicKey);
  } catch {
    throw new CryptoError('LOW_ORDER_KEY', 'X25519 public key has low order');
  }
  let acc = 0;
  for (const byte of shared) acc |= byte;
  if (acc === 0) throw new CryptoError('LOW_ORDER_KEY', 'X25519 shared secret is all zero');
  return shared;
}

/** A fixed clamped scalar; any low-order point times it is the identity (all-zero output). */
const PROBE_SCALAR = new Uint8Array(SIZES.x25519).fill(0x5a);

/**
 * Checks an X25519 public key we will not use in a DH ourselves (the X25519 half of an X-Wing
 * key): multiplying by any clamped scalar maps exactly the low-order points to zero.
 */
export function assertNotLowOrder(sodium: Sodium, publicKey: Uint8Array): void {
  diffieHellman(sodium, PROBE_SCALAR, publicKey);
}
