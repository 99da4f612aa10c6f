import type { Sodium } from './Sodium.js';
import { CryptoError } from './CryptoError.js';
import { ByteReader } from './bytes.js';
import { RECORD_TYPE, SIZES } from './labels.js';
import type { AccountKeyPair } from './generateAccountKey.js';
import { accountKeySealKeys, type AccountKeySealBinding } from './sealAccountKey.js';

/**
 * Opens a sealed account key (PROTOCOL.md §1.15.5) with the PRF output of its passkey:
 * 1. version byte 0x01 (UNSUPPORTED_VERSION), type 0x1c, exactly 74 bytes (MALFORMED);
 * 2. a 32-byte PRF output and a well-formed binding (MALFORMED);
 * 3. the AEAD opens under the key derived from this PRF output and binding (DECRYPT_FAILED):
 *    another passkey's output, another account or credential id, or any changed byte fails here.
 * The caller must then check that the public key is the account key it already trusts, or, on
 * a new device, the one it will show in the safety number (§1.15.6).
 */
export function openAccountKey(
  sodium: Sodium,
  sealed: Uint8Array,
  prfOutput: Uint8Array,
  binding: AccountKeySealBinding,
): AccountKeyPair {
  const reader = new ByteReader(sealed, 'sealed account key');
  reader.header(RECORD_TYPE.sealedAccountKey);
  const nonce = reader.bytes(SIZES.nonce);
  const ciphertext = reader.bytes(SIZES.ed25519Seed + SIZES.tag);
  reader.end();
  const { key, associatedData } = accountKeySealKeys(sodium, prfOutput, binding);
  let seed: Uint8Array;
  try {
    seed = sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(
      null,
      ciphertext,
      associatedData,
      nonce,
      key,
    );
  } catch {
    throw new CryptoError(
      'DECRYPT_FAILED',
      'sealed account key does not open with this passkey for this account',
    );
  } finally {
    key.fill(0);
  }
  const pair = sodium.crypto_sign_seed_keypair(seed);
  seed.fill(0);
  return { publicKey: pair.publicKey, secretKey: pair.privateKey };
}
