import type { Sodium } from './Sodium.js';
import { concatBytes } from './bytes.js';
import { deriveKey } from './deriveKey.js';
import { LABELS, SIZES } from './labels.js';

export interface HandshakeInputs {
  readonly dh1: Uint8Array;
  readonly dh2: Uint8Array;
  readonly dh3: Uint8Array;
  readonly dh4: Uint8Array | null;
  readonly pqSharedSecret: Uint8Array;
  readonly initiatorIdentityKey: Uint8Array;
  readonly initiatorDhKey: Uint8Array;
  readonly responderIdentityKey: Uint8Array;
  readonly responderDhKey: Uint8Array;
  readonly ephemeralKey: Uint8Array;
  readonly signedPrekey: Uint8Array;
  readonly oneTimePrekey: Uint8Array | null;
  readonly pqPrekey: Uint8Array;
  readonly pqCiphertext: Uint8Array;
}

/** X3DH §2.2 / PQXDH §2.2: 32 0xFF bytes before the DH outputs, so KDF input never starts like a scalar. */
const F = new Uint8Array(SIZES.x25519).fill(0xff);

/**
 * PROTOCOL.md §1.5.3: SK = KDF(handshake, no key, F || DH1 || DH2 || DH3 [|| DH4] || SS ||
 * transcript, 32). The transcript (identity keys of both sides, EK_A, the prekeys used and the
 * X-Wing ciphertext) pins the root key to exactly this handshake, as PQXDH's info/AD binding does.
 */
export function handshakeSecret(sodium: Sodium, inputs: HandshakeInputs): Uint8Array {
  const parts = [F, inputs.dh1, inputs.dh2, inputs.dh3];
  if (inputs.dh4) parts.push(inputs.dh4);
  parts.push(
    inputs.pqSharedSecret,
    inputs.initiatorIdentityKey,
    inputs.initiatorDhKey,
    inputs.responderIdentityKey,
    inputs.responderDhKey,
    inputs.ephemeralKey,
    inputs.signedPrekey,
  );
  if (inputs.oneTimePrekey) parts.push(inputs.oneTimePrekey);
  parts.push(inputs.pqPrekey, inputs.pqCiphertext);
  return deriveKey(sodium, LABELS.handshake, null, concatBytes(...parts), SIZES.key);
}
