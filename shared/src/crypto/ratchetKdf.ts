import type { Sodium } from './Sodium.js';
import { deriveKey } from './deriveKey.js';
import { LABELS, SIZES } from './labels.js';

/** Double Ratchet spec §3.1 KDF_RK: BLAKE2b-512 keyed by the root key over the DH output. */
export function kdfRoot(
  sodium: Sodium,
  rootKey: Uint8Array,
  dhOutput: Uint8Array,
): { rootKey: Uint8Array; chainKey: Uint8Array } {
  const out = deriveKey(sodium, LABELS.rootStep, rootKey, dhOutput, 2 * SIZES.key);
  return { rootKey: out.slice(0, SIZES.key), chainKey: out.slice(SIZES.key) };
}

const EMPTY = new Uint8Array(0);

/**
 * Double Ratchet §3.1 KDF_CK: one BLAKE2b-512 call keyed by the chain key; the first half is
 * the next chain key, the second the message key (as KDF_RK splits its output). One call
 * instead of DR §5.2's two HMACs halves the per-message KDF cost, with the same PRF argument.
 */
export function kdfChain(
  sodium: Sodium,
  chainKey: Uint8Array,
  label: string = LABELS.chainStep,
): { chainKey: Uint8Array; messageKey: Uint8Array } {
  const out = deriveKey(sodium, label, chainKey, EMPTY, 2 * SIZES.key);
  // Views, not copies (per-message path); key arrays are never written to after creation.
  return { chainKey: out.subarray(0, SIZES.key), messageKey: out.subarray(SIZES.key) };
}
