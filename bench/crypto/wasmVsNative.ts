/**
 * libsodium-wrappers (WebAssembly, what the browser runs) beside sodium-native (the machine's
 * libsodium) for the primitives the protocol spends its time in.
 */
import { createRequire } from 'node:module';
import sodium from 'libsodium-wrappers';
import { MESSAGE_BYTES, ad, aeadKey, message, random, signing } from './inputs.js';
import { cost, use } from './measure.js';

/** The sodium-native functions used here (it ships no types); outputs go into given buffers. */
interface NativeSodium {
  crypto_aead_xchacha20poly1305_ietf_encrypt(
    ciphertext: Uint8Array,
    message: Uint8Array,
    ad: Uint8Array | null,
    nsec: null,
    nonce: Uint8Array,
    key: Uint8Array,
  ): number;
  crypto_aead_xchacha20poly1305_ietf_decrypt(
    message: Uint8Array,
    nsec: null,
    ciphertext: Uint8Array,
    ad: Uint8Array | null,
    nonce: Uint8Array,
    key: Uint8Array,
  ): number;
  crypto_scalarmult(shared: Uint8Array, secretKey: Uint8Array, publicKey: Uint8Array): void;
  crypto_generichash(out: Uint8Array, input: Uint8Array, key?: Uint8Array): void;
  crypto_sign_detached(signature: Uint8Array, message: Uint8Array, secretKey: Uint8Array): void;
}
const native = createRequire(import.meta.url)('sodium-native') as NativeSodium;

const nativeKey = Buffer.from(aeadKey);
const nativeSealed = Buffer.alloc(MESSAGE_BYTES + 16);
const nativeOpened = Buffer.alloc(MESSAGE_BYTES);
const nativeNonce = Buffer.alloc(24);
export const nativeAead = (n: number) =>
  cost(n, () => {
    nativeNonce.set(random(24));
    native.crypto_aead_xchacha20poly1305_ietf_encrypt(
      nativeSealed,
      message,
      ad,
      null,
      nativeNonce,
      nativeKey,
    );
    native.crypto_aead_xchacha20poly1305_ietf_decrypt(
      nativeOpened,
      null,
      nativeSealed,
      ad,
      nativeNonce,
      nativeKey,
    );
    use(nativeOpened);
  });

const dhSecret = sodium.randombytes_buf(32);
const dhPublic = sodium.crypto_scalarmult_base(sodium.randombytes_buf(32));
export const wasmX25519 = (n: number) =>
  cost(n, () => {
    use(sodium.crypto_scalarmult(dhSecret, dhPublic));
  });
const nativeShared = Buffer.alloc(32);
export const nativeX25519 = (n: number) =>
  cost(n, () => {
    native.crypto_scalarmult(nativeShared, dhSecret, dhPublic);
    use(nativeShared);
  });

export const wasmBlake2b = (n: number) =>
  cost(n, () => {
    use(sodium.crypto_generichash(64, message, aeadKey));
  });
const nativeHash = Buffer.alloc(64);
export const nativeBlake2b = (n: number) =>
  cost(n, () => {
    native.crypto_generichash(nativeHash, message, nativeKey);
    use(nativeHash);
  });

export const wasmEd25519 = (n: number) =>
  cost(n, () => {
    use(sodium.crypto_sign_detached(message, signing.privateKey));
  });
const nativeSigningKey = Buffer.from(signing.privateKey);
const nativeSignature = Buffer.alloc(64);
export const nativeEd25519 = (n: number) =>
  cost(n, () => {
    native.crypto_sign_detached(nativeSignature, message, nativeSigningKey);
    use(nativeSignature);
  });

// The two builds must compute the same thing, or the comparison means nothing.
{
  const wasmSealed = sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(
    message,
    ad,
    null,
    nativeNonce,
    aeadKey,
  );
  native.crypto_aead_xchacha20poly1305_ietf_encrypt(
    nativeSealed,
    message,
    ad,
    null,
    nativeNonce,
    nativeKey,
  );
  native.crypto_scalarmult(nativeShared, dhSecret, dhPublic);
  native.crypto_generichash(nativeHash, message, nativeKey);
  native.crypto_sign_detached(nativeSignature, message, nativeSigningKey);
  const same =
    nativeSealed.equals(wasmSealed) &&
    nativeShared.equals(sodium.crypto_scalarmult(dhSecret, dhPublic)) &&
    nativeHash.equals(sodium.crypto_generichash(64, message, aeadKey)) &&
    nativeSignature.equals(sodium.crypto_sign_detached(message, signing.privateKey));
  if (!same) throw new Error('sodium-native and libsodium-wrappers disagree');
}
