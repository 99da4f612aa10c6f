import type sodiumDefault from 'libsodium-wrappers';

type LibSodium = typeof sodiumDefault;

/**
 * The libsodium-wrappers functions this library calls, and nothing else. Both the module
 * namespace and the default export satisfy it; the caller awaits `sodium.ready` first.
 */
export type Sodium = Pick<
  LibSodium,
  | 'crypto_scalarmult'
  | 'crypto_scalarmult_base'
  | 'crypto_sign_seed_keypair'
  | 'crypto_sign_detached'
  | 'crypto_sign_verify_detached'
  | 'crypto_kem_xwing_seed_keypair'
  | 'crypto_kem_xwing_enc_deterministic'
  | 'crypto_kem_xwing_dec'
  | 'crypto_aead_xchacha20poly1305_ietf_encrypt'
  | 'crypto_aead_xchacha20poly1305_ietf_decrypt'
  | 'crypto_generichash'
  | 'crypto_generichash_init'
  | 'crypto_generichash_update'
  | 'crypto_generichash_final'
  | 'crypto_secretstream_xchacha20poly1305_init_pull'
  | 'crypto_secretstream_xchacha20poly1305_push'
  | 'crypto_secretstream_xchacha20poly1305_pull'
  | 'randombytes_buf'
  | 'randombytes_buf_deterministic'
  | 'memcmp'
>;

/**
 * A source of random bytes. Production code passes nothing and gets `randombytes_buf`;
 * known-answer tests inject `createSeededRandom` so every output byte is reproducible.
 */
export type Random = (length: number) => Uint8Array;

// WebCrypto exists in every supported runtime (browsers, Node >= 19 as globalThis.crypto);
// shared/ compiles without DOM or Node types, so declare only what we use.
declare const crypto: { getRandomValues(array: Uint8Array): Uint8Array } | undefined;

/** getRandomValues fills at most 65,536 bytes per call. */
const WEB_CRYPTO_MAX = 65536;
/** Requests up to this size are served from a pool refilled POOL_SIZE bytes at a time. */
const POOL_SIZE = 4096;
const POOLED_MAX = 256;

/**
 * The default random source: the platform CSPRNG through WebCrypto's getRandomValues when
 * present, else libsodium's randombytes_buf. Both are CSPRNGs. We prefer WebCrypto and serve
 * small requests (nonces, keys) from a 4 KiB pool, because one call of either costs several
 * microseconds in Node 20 (libsodium-wrappers' randombytes_buf about 100 µs), which would
 * dominate a ratchet message. Pool bytes are handed out once and zeroed as they are taken.
 */
export function systemRandom(sodium: Sodium): Random {
  // One pool per libsodium instance: operations call this for their default argument.
  let random = defaults.get(sodium);
  if (!random) {
    random = createSystemRandom(sodium);
    defaults.set(sodium, random);
  }
  return random;
}

const defaults = new WeakMap<Sodium, Random>();

function createSystemRandom(sodium: Sodium): Random {
  const webCrypto = typeof crypto === 'undefined' ? undefined : crypto;
  if (webCrypto && typeof webCrypto.getRandomValues === 'function') {
    const fill = (out: Uint8Array): Uint8Array => {
      for (let offset = 0; offset < out.length; offset += WEB_CRYPTO_MAX) {
        webCrypto.getRandomValues(
          out.subarray(offset, Math.min(out.length, offset + WEB_CRYPTO_MAX)),
        );
      }
      return out;
    };
    const pool = new Uint8Array(POOL_SIZE);
    let used = POOL_SIZE;
    return (length) => {
      if (length > POOLED_MAX) return fill(new Uint8Array(length));
      if (used + length > POOL_SIZE) {
        fill(pool);
        used = 0;
      }
      const out = pool.slice(used, used + length);
      pool.fill(0, used, used + length);
      used += length;
      return out;
    };
  }
  return (length) => sodium.randombytes_buf(length);
}
