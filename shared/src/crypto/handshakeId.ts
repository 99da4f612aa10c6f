import type { Sodium } from './Sodium.js';
import { deriveKey } from './deriveKey.js';
import { LABELS, SIZES } from './labels.js';

/**
 * PROTOCOL.md §1.5.5: the id of a handshake is KDF(handshake-id, none, prefix, 32) over the whole
 * prekey-message prefix. Hashing every prefix byte (not just EK_A) means a later prekey message
 * whose prefix was altered in transit matches no session and is refused, instead of being routed
 * to the existing session with its unauthenticated prefix ignored.
 */
export function handshakeId(sodium: Sodium, prekeyPrefix: Uint8Array): Uint8Array {
  return deriveKey(sodium, LABELS.handshakeId, null, prekeyPrefix, SIZES.key);
}
