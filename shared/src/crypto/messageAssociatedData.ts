import { labelPrefix } from './deriveKey.js';
import { LABELS } from './labels.js';

const PREFIX = labelPrefix(LABELS.messageAd);

/**
 * PROTOCOL.md §1.6.3: AD = u8(len(label)) || label || IK_sender || IK_receiver || header.
 * The header starts with the version byte, so AD covers version, header and both identities;
 * the sender-first order also binds the direction, so a message cannot be reflected back.
 * Returned as its parts, in order, so the AEAD step can write them where it needs them instead
 * of this allocating their concatenation for every message.
 */
export function messageAssociatedData(
  senderIdentityKey: Uint8Array,
  receiverIdentityKey: Uint8Array,
  header: Uint8Array,
): readonly Uint8Array[] {
  return [PREFIX, senderIdentityKey, receiverIdentityKey, header];
}
