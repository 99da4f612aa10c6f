import { utf8 } from './bytes.js';
import { LABELS, SIZES } from './labels.js';

const LABEL = utf8(LABELS.messageAd);

/**
 * PROTOCOL.md §1.6.3: AD = u8(len(label)) || label || IK_sender || IK_receiver || header.
 * The header starts with the version byte, so AD covers version, header and both identities;
 * the sender-first order also binds the direction, so a message cannot be reflected back.
 * Built in one allocation: this runs for every message.
 */
export function messageAssociatedData(
  senderIdentityKey: Uint8Array,
  receiverIdentityKey: Uint8Array,
  header: Uint8Array,
): Uint8Array {
  const key = SIZES.ed25519PublicKey;
  const out = new Uint8Array(1 + LABEL.length + 2 * key + header.length);
  out[0] = LABEL.length;
  out.set(LABEL, 1);
  out.set(senderIdentityKey, 1 + LABEL.length);
  out.set(receiverIdentityKey, 1 + LABEL.length + key);
  out.set(header, 1 + LABEL.length + 2 * key);
  return out;
}
