import type { Random, Sodium } from './Sodium.js';
import { systemRandom } from './Sodium.js';
import { CryptoError } from './CryptoError.js';
import { ByteWriter, concatBytes, equalBytes } from './bytes.js';
import { deriveKey, labelPrefix } from './deriveKey.js';
import {
  E2E_VERSION,
  LABELS,
  MAX_ACCOUNT_ID_BYTES,
  MAX_CREDENTIAL_ID_BYTES,
  RECORD_TYPE,
  SIZES,
} from './labels.js';
import { ID_CHARACTERS, idBytes } from './accountKeyFields.js';

/** What a sealed account key is bound to: opened for another account or passkey, it fails. */
export interface AccountKeySealBinding {
  /** The relay's id of the account (base64url, 1 to 64 characters). */
  readonly accountId: string;
  /** The passkey's credential id, base64url as WebAuthn reports it. */
  readonly credentialId: string;
}

/** PRF outputs (WebAuthn L3 §10.1.4) are 32 bytes. */
export const PRF_OUTPUT_BYTES = 32;
/** u8(0x01) ‖ u8(0x1c) ‖ nonce (24) ‖ ciphertext of the 32-byte seed with its tag (48). */
export const SEALED_ACCOUNT_KEY_BYTES = 2 + SIZES.nonce + SIZES.ed25519Seed + SIZES.tag;

export const SEALED_ACCOUNT_KEY_HEADER = Uint8Array.of(E2E_VERSION, RECORD_TYPE.sealedAccountKey);

/** u8(len) ‖ accountId ‖ u16(len) ‖ credentialId: the KDF input and the tail of the AD. */
export function accountKeySealBinding(binding: AccountKeySealBinding): Uint8Array {
  const accountId = idBytes(
    binding.accountId,
    'account id',
    MAX_ACCOUNT_ID_BYTES,
    ID_CHARACTERS.base64url,
  );
  const credentialId = idBytes(
    binding.credentialId,
    'credential id',
    MAX_CREDENTIAL_ID_BYTES,
    ID_CHARACTERS.base64url,
  );
  return new ByteWriter().u8(accountId.length).bytes(accountId).vec16(credentialId).finish();
}

/** KDF(account-key-seal, key = PRF output, binding, 32) and the AEAD associated data. */
export function accountKeySealKeys(
  sodium: Sodium,
  prfOutput: Uint8Array,
  binding: AccountKeySealBinding,
): { readonly key: Uint8Array; readonly associatedData: Uint8Array } {
  if (prfOutput.length !== PRF_OUTPUT_BYTES) {
    throw new CryptoError('MALFORMED', `PRF output must be ${PRF_OUTPUT_BYTES} bytes`);
  }
  const context = accountKeySealBinding(binding);
  return {
    key: deriveKey(sodium, LABELS.accountKeySeal, prfOutput, context, SIZES.key),
    associatedData: concatBytes(
      labelPrefix(LABELS.accountKeySeal),
      SEALED_ACCOUNT_KEY_HEADER,
      context,
    ),
  };
}

/**
 * Seals the account key's secret under one passkey's PRF output (PROTOCOL.md §1.15.5), for the
 * relay to keep as an opaque blob, one per passkey:
 *   K    = KDF("VaultRoom/e2e/v1/account-key-seal", PRF output, binding, 32)
 *   AD   = u8(len(L)) ‖ L ‖ u8(0x01) ‖ u8(0x1c) ‖ binding
 *   blob = u8(0x01) ‖ u8(0x1c) ‖ nonce (24) ‖ XChaCha20-Poly1305(K, nonce, Ed25519 seed (32), AD)
 * Only the 32-byte seed is sealed; the opener re-derives the key pair from it.
 * Random draws: nonce (24).
 */
export function sealAccountKey(
  sodium: Sodium,
  accountSecretKey: Uint8Array,
  prfOutput: Uint8Array,
  binding: AccountKeySealBinding,
  random: Random = systemRandom(sodium),
): Uint8Array {
  if (accountSecretKey.length !== SIZES.ed25519SecretKey) {
    throw new CryptoError('MALFORMED', 'account secret key has the wrong length');
  }
  const seed = accountSecretKey.slice(0, SIZES.ed25519Seed);
  // A secret key whose second half is not its seed's public key would open as another key.
  const derived = sodium.crypto_sign_seed_keypair(seed).publicKey;
  if (!equalBytes(derived, accountSecretKey.subarray(SIZES.ed25519Seed))) {
    throw new CryptoError('MALFORMED', 'account secret key does not match its public half');
  }
  const { key, associatedData } = accountKeySealKeys(sodium, prfOutput, binding);
  const nonce = random(SIZES.nonce);
  const ciphertext = sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(
    seed,
    associatedData,
    null,
    nonce,
    key,
  );
  seed.fill(0);
  key.fill(0);
  return concatBytes(SEALED_ACCOUNT_KEY_HEADER, nonce, ciphertext);
}
