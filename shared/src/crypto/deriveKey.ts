import type { Sodium } from './Sodium.js';
import { concatBytes, utf8 } from './bytes.js';

/**
 * u8(len(label)) ‖ label, computed once per label: this sits on the per-message path.
 * Callers must not modify the returned array (it is shared).
 */
const prefixes = new Map<string, Uint8Array>();
export function labelPrefix(label: string): Uint8Array {
  let prefix = prefixes.get(label);
  if (!prefix) {
    const bytes = utf8(label);
    prefix = concatBytes(Uint8Array.of(bytes.length), bytes);
    prefixes.set(label, prefix);
  }
  return prefix;
}

/**
 * The one KDF of the protocol (PROTOCOL.md §1.3):
 *   KDF(label, key, input, L) = BLAKE2b(outlen = L, key = key or empty, u8(len(label)) || label || input)
 * BLAKE2b keyed with a uniformly random key is a PRF, which is what the Double Ratchet spec §5.2
 * asks of KDF_RK and KDF_CK; the length-prefixed label keeps every use in its own domain.
 */
export function deriveKey(
  sodium: Sodium,
  label: string,
  key: Uint8Array | null,
  input: Uint8Array,
  length: number,
): Uint8Array {
  const prefix = labelPrefix(label);
  const message = input.length === 0 ? prefix : concatBytes(prefix, input);
  return sodium.crypto_generichash(length, message, key);
}
