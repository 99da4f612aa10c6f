/**
 * The baselines of the protocol benchmark: the same primitives the protocol spends its time in,
 * called bare, so that each protocol figure is read against what it cannot go below.
 */
import sodium from 'libsodium-wrappers';
import { MESSAGE_BYTES, ad, aeadKey, message, random, signing } from './inputs.js';
import { cost, use } from './measure.js';

/** libsodium's WebAssembly exports behind libsodium-wrappers (u64 lengths as two halves). */
interface WasmLibsodium {
  readonly HEAPU8: Uint8Array;
  _malloc(size: number): number;
  _crypto_aead_xchacha20poly1305_ietf_encrypt(...args: number[]): number;
  _crypto_aead_xchacha20poly1305_ietf_decrypt(...args: number[]): number;
}
const wasm = (sodium as unknown as { readonly libsodium: WasmLibsodium }).libsodium;

/**
 * One message with nothing but the AEAD through libsodium-wrappers: a fresh nonce from the same
 * random source the ratchet uses, 64 bytes of associated data, encrypt then decrypt.
 */
export const bareAead = (n: number) =>
  cost(n, () => {
    const nonce = random(24);
    const sealed = sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(
      message,
      ad,
      null,
      nonce,
      aeadKey,
    );
    use(sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(null, sealed, ad, nonce, aeadKey));
  });

/**
 * The same, calling libsodium's WebAssembly exports directly as the ratchet does: inputs copied
 * into memory allocated once, each result copied out into a new array.
 */
const WASM_AT = wasm._malloc(1024);
const [W_KEY, W_NONCE, W_AD, W_PLAIN, W_SEALED, W_OPENED] = [0, 32, 64, 128, 384, 640].map(
  (offset) => WASM_AT + offset,
) as [number, number, number, number, number, number];
export const directAead = (n: number) =>
  cost(n, () => {
    const nonce = random(24);
    let heap = wasm.HEAPU8;
    heap.set(aeadKey, W_KEY);
    heap.set(nonce, W_NONCE);
    heap.set(ad, W_AD);
    heap.set(message, W_PLAIN);
    wasm._crypto_aead_xchacha20poly1305_ietf_encrypt(
      W_SEALED,
      0,
      W_PLAIN,
      MESSAGE_BYTES,
      0,
      W_AD,
      ad.length,
      0,
      0,
      W_NONCE,
      W_KEY,
    );
    heap = wasm.HEAPU8;
    const sealed = heap.slice(W_SEALED, W_SEALED + MESSAGE_BYTES + 16);
    heap.set(sealed, W_SEALED);
    const status = wasm._crypto_aead_xchacha20poly1305_ietf_decrypt(
      W_OPENED,
      0,
      0,
      W_SEALED,
      sealed.length,
      0,
      W_AD,
      ad.length,
      0,
      W_NONCE,
      W_KEY,
    );
    if (status !== 0) throw new Error('direct AEAD baseline does not authenticate');
    use(wasm.HEAPU8.slice(W_OPENED, W_OPENED + MESSAGE_BYTES));
  });

/** A group message's primitives bare: AEAD encrypt of the padded size, then an Ed25519 signature. */
const padded = sodium.randombytes_buf(256);
export const aeadAndSign = (n: number) =>
  cost(n, () => {
    const sealed = sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(
      padded,
      ad,
      null,
      random(24),
      aeadKey,
    );
    use(sodium.crypto_sign_detached(sealed, signing.privateKey));
  });

/**
 * A handshake's public-key operations bare, both sides: 4 Ed25519 verifications (three on the
 * bundle, one on the initiator's DH key), 3 X25519 base-point and 11 X25519 multiplications (5
 * initiator, 4 responder, 2 for the responder's first ratchet step), one X-Wing encapsulation and
 * one decapsulation.
 */
const xwing = sodium.crypto_kem_xwing_keypair();
const signedKey = sodium.randombytes_buf(32);
const keySignature = sodium.crypto_sign_detached(signedKey, signing.privateKey);
export const handshakePrimitives = (n: number) =>
  cost(n, () => {
    for (let i = 0; i < 4; i++) {
      if (!sodium.crypto_sign_verify_detached(keySignature, signedKey, signing.publicKey)) {
        throw new Error('baseline signature does not verify');
      }
    }
    const secret = random(32);
    let point = signedKey;
    for (let i = 0; i < 3; i++) point = sodium.crypto_scalarmult_base(secret);
    for (let i = 0; i < 11; i++) use(sodium.crypto_scalarmult(secret, point));
    const { ciphertext } = sodium.crypto_kem_xwing_enc_deterministic(xwing.publicKey, random(64));
    use(sodium.crypto_kem_xwing_dec(ciphertext, xwing.privateKey));
  });
