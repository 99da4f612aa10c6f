import type { Sodium } from './Sodium.js';
import { equalBytes } from './bytes.js';
import { MAX_PADDED_LENGTH, SIZES } from './labels.js';

/**
 * The Emscripten module behind libsodium-wrappers (its `libsodium` property), as far as we use
 * it. libsodium's 64-bit lengths are passed as two 32-bit halves (low, high) in this build.
 */
interface WasmLibsodium {
  readonly HEAPU8: Uint8Array;
  readonly _malloc: (size: number) => number;
  readonly _free: (pointer: number) => void;
  readonly _crypto_generichash: (
    out: number,
    outLength: number,
    input: number,
    inputLengthLow: number,
    inputLengthHigh: number,
    key: number,
    keyLength: number,
  ) => number;
  readonly _crypto_aead_xchacha20poly1305_ietf_encrypt: (
    ciphertext: number,
    ciphertextLengthOut: number,
    message: number,
    messageLengthLow: number,
    messageLengthHigh: number,
    ad: number,
    adLengthLow: number,
    adLengthHigh: number,
    secretNonce: number,
    nonce: number,
    key: number,
  ) => number;
  readonly _crypto_aead_xchacha20poly1305_ietf_decrypt: (
    message: number,
    messageLengthOut: number,
    secretNonce: number,
    ciphertext: number,
    ciphertextLengthLow: number,
    ciphertextLengthHigh: number,
    ad: number,
    adLengthLow: number,
    adLengthHigh: number,
    nonce: number,
    key: number,
  ) => number;
}

/** Parameter counts of the exports we call: a build that passes u64 as BigInt has fewer. */
const ARITY = {
  _malloc: 1,
  _free: 1,
  _crypto_generichash: 7,
  _crypto_aead_xchacha20poly1305_ietf_encrypt: 11,
  _crypto_aead_xchacha20poly1305_ietf_decrypt: 11,
} as const;

// Fixed slots at the start of the arena, then associated data, then plaintext and ciphertext.
const KEY = 0; // a message key loaded from JavaScript (a skipped key)
const KDF_KEY = KEY + SIZES.key; // the key of the next KDF call (a chain key, at most 64 bytes)
const KDF_OUT = KDF_KEY + 64; // KDF_CK output: next chain key ‖ message key
const KDF_INPUT = KDF_OUT + 2 * SIZES.key; // KDF_CK input: the length-prefixed label
const NONCE = KDF_INPUT + 256;
const AD = NONCE + SIZES.nonce;
/** Room for associated data: label, two identity keys and a header fit several times over. */
const AD_CAPACITY = 512;
const DATA = AD + AD_CAPACITY;
/** Views kept: a few per padding bucket in use. */
const MAX_VIEWS = 32;
/** Plaintext capacity of a new arena: the two smallest padding buckets, i.e. most messages. */
const INITIAL_PLAINTEXT = 512;

/**
 * A scratch region in libsodium's WebAssembly memory for the per-message path (one KDF_CK call
 * and one AEAD call per message). libsodium-wrappers allocates, copies and frees every argument
 * and result of every call; here inputs are written once into memory allocated once, the message
 * key never leaves WebAssembly memory, and the only JavaScript arrays made are the ones returned.
 * Outputs are byte-identical to the wrapper calls (checked when the arena is made).
 *
 * The keys and plaintext copied in are wiped after every operation (`wipe`); the wrappers free
 * their copies without zeroing them. (libsodium's BLAKE2b leaves its last output in a local
 * buffer on the WebAssembly stack either way, until later calls overwrite it.) The arena is
 * synchronous and never calls out, so one per libsodium instance is safe in a single-threaded
 * runtime; workers have their own instance.
 */
export class SodiumArena {
  private base: number;
  private plaintextCapacity: number;
  /** Bytes of the plaintext slot that may hold data since the last wipe. */
  private dirtyPlaintext = 0;
  /** Where the key of the next AEAD call is: KEY, or the message-key half of KDF_OUT. */
  private keyAt = KEY;
  /** libsodium's memory, re-read when it grew (growing detaches the old buffer). */
  private heap: Uint8Array;
  /** Views into the arena by offset and length, so the per-message path makes none. */
  private readonly views = new Map<number, Uint8Array>();
  // The module is a large dictionary-mode object: look its functions up once.
  private readonly generichash: WasmLibsodium['_crypto_generichash'];
  private readonly encrypt: WasmLibsodium['_crypto_aead_xchacha20poly1305_ietf_encrypt'];
  private readonly decrypt: WasmLibsodium['_crypto_aead_xchacha20poly1305_ietf_decrypt'];

  private constructor(private readonly lib: WasmLibsodium) {
    this.generichash = lib._crypto_generichash;
    this.encrypt = lib._crypto_aead_xchacha20poly1305_ietf_encrypt;
    this.decrypt = lib._crypto_aead_xchacha20poly1305_ietf_decrypt;
    this.heap = lib.HEAPU8;
    this.plaintextCapacity = INITIAL_PLAINTEXT;
    this.base = this.allocate(INITIAL_PLAINTEXT);
  }

  /**
   * The arena of this libsodium instance, or null when the instance is not libsodium-wrappers'
   * WebAssembly build we know (callers then use the wrapper functions, with the same results).
   */
  static of(sodium: Sodium): SodiumArena | null {
    // Twice per message, almost always with the same instance: skip the lookups then.
    if (sodium === last.sodium) return last.arena;
    const lib = (sodium as { readonly libsodium?: unknown }).libsodium;
    if (typeof lib !== 'object' || lib === null) return null;
    let arena = arenas.get(lib);
    if (arena === undefined) {
      arena = isWasmLibsodium(lib) ? SodiumArena.checked(sodium, lib) : null;
      arenas.set(lib, arena);
    }
    last = { sodium, arena };
    return arena;
  }

  /** A new arena, if a known answer computed both ways agrees (else null: use the wrappers). */
  private static checked(sodium: Sodium, lib: WasmLibsodium): SodiumArena | null {
    let arena: SodiumArena | null = null;
    try {
      arena = new SodiumArena(lib);
      if (arena.agreesWith(sodium)) return arena;
    } catch {
      // Any failure means this build is not the one we know.
    }
    arena?.dispose();
    return null;
  }

  /** Largest plaintext (and ciphertext − tag) the arena takes; larger inputs use the wrappers. */
  static readonly maxPlaintext = MAX_PADDED_LENGTH;
  static readonly maxAssociatedData = AD_CAPACITY;

  /**
   * Makes room for a plaintext of `length` bytes; false when it is larger than the arena takes.
   * Call before writing anything of an operation: growing moves the arena.
   */
  reserve(length: number): boolean {
    if (length > SodiumArena.maxPlaintext) return false;
    if (length > this.plaintextCapacity) {
      let capacity = this.plaintextCapacity;
      while (capacity < length) capacity *= 2;
      // Allocate before freeing: if malloc fails, the arena we have stays valid.
      const base = this.allocate(capacity);
      this.wipe();
      this.lib._free(this.base);
      this.base = base;
      this.plaintextCapacity = capacity;
      this.views.clear();
    }
    return true;
  }

  /**
   * KDF_CK (PROTOCOL.md §1.6.2) with the one KDF of §1.3: BLAKE2b-512 keyed by `chainKey` over
   * `labelPrefix` (u8(len(label)) ‖ label, no input). Returns a copy of the next chain key and
   * leaves the message key in the AEAD key slot for the next `seal` or `open`.
   */
  chainStep(labelPrefix: Uint8Array, chainKey: Uint8Array): Uint8Array {
    const base = this.base;
    const heap = this.memory();
    heap.set(chainKey, base + KDF_KEY);
    heap.set(labelPrefix, base + KDF_INPUT);
    this.generichash(
      base + KDF_OUT,
      2 * SIZES.key,
      base + KDF_INPUT,
      labelPrefix.length,
      0,
      base + KDF_KEY,
      chainKey.length,
    );
    this.keyAt = KDF_OUT + SIZES.key;
    const next = new Uint8Array(SIZES.key);
    next.set(this.view(KDF_OUT, SIZES.key));
    return next;
  }

  /** Puts a message key kept in JavaScript (a skipped key) in the AEAD key slot. */
  loadKey(messageKey: Uint8Array): void {
    this.memory().set(messageKey, this.base + KEY);
    this.keyAt = KEY;
  }

  /**
   * XChaCha20-Poly1305 encryption with the key slot's key of `content` padded to `padded` bytes
   * (PROTOCOL.md §1.8.1: content ‖ 0x80 ‖ 0x00…), with associated data the concatenation of
   * `ad`. Writes ciphertext ‖ tag (padded + 16 bytes) into `out` at `at`.
   */
  seal(
    ad: readonly Uint8Array[],
    content: Uint8Array,
    padded: number,
    nonce: Uint8Array,
    out: Uint8Array,
    at: number,
  ): void {
    const base = this.base;
    const plaintext = base + DATA;
    const ciphertext = DATA + this.plaintextCapacity;
    const heap = this.memory();
    const adLength = this.writeAd(heap, ad);
    heap.set(nonce, base + NONCE);
    this.dirtyPlaintext = Math.max(this.dirtyPlaintext, padded);
    heap.set(content, plaintext);
    heap[plaintext + content.length] = 0x80;
    heap.fill(0, plaintext + content.length + 1, plaintext + padded);
    this.encrypt(
      base + ciphertext,
      0,
      plaintext,
      padded,
      0,
      base + AD,
      adLength,
      0,
      0,
      base + NONCE,
      base + this.keyAt,
    );
    out.set(this.view(ciphertext, padded + SIZES.tag), at);
  }

  /**
   * XChaCha20-Poly1305 decryption with the key slot's key. Returns the plaintext as a view into
   * the arena, valid until the next call on it, or null when the message does not authenticate
   * (or its nonce or ciphertext has an impossible length, which the wrappers also refuse).
   */
  open(ad: readonly Uint8Array[], nonce: Uint8Array, ciphertext: Uint8Array): Uint8Array | null {
    if (nonce.length !== SIZES.nonce || ciphertext.length < SIZES.tag) return null;
    const length = ciphertext.length - SIZES.tag;
    const base = this.base;
    const sealed = base + DATA + this.plaintextCapacity;
    const heap = this.memory();
    const adLength = this.writeAd(heap, ad);
    heap.set(nonce, base + NONCE);
    heap.set(ciphertext, sealed);
    this.dirtyPlaintext = Math.max(this.dirtyPlaintext, length);
    const status = this.decrypt(
      base + DATA,
      0,
      0,
      sealed,
      ciphertext.length,
      0,
      base + AD,
      adLength,
      0,
      base + NONCE,
      base + this.keyAt,
    );
    return status === 0 ? this.view(DATA, length) : null;
  }

  /** Zeroes the keys and the plaintext the last operations left in the arena. */
  wipe(): void {
    const heap = this.memory();
    heap.fill(0, this.base + KEY, this.base + KDF_INPUT);
    heap.fill(0, this.base + DATA, this.base + DATA + this.dirtyPlaintext);
    this.dirtyPlaintext = 0;
  }

  private dispose(): void {
    this.wipe();
    this.lib._free(this.base);
  }

  /** libsodium's memory; a fresh view (and no stale ones) after the memory grew. */
  private memory(): Uint8Array {
    if (this.heap.length === 0) {
      this.heap = this.lib.HEAPU8;
      this.views.clear();
    }
    return this.heap;
  }

  /** A view of `length` bytes at `offset` in the arena, made once per (offset, length). */
  private view(offset: number, length: number): Uint8Array {
    const heap = this.memory();
    const id = offset * 0x100000 + length;
    let view = this.views.get(id);
    if (view === undefined) {
      view = heap.subarray(this.base + offset, this.base + offset + length);
      // Lengths come from messages: keep the few that recur (the padding buckets), no more.
      if (this.views.size >= MAX_VIEWS) this.views.clear();
      this.views.set(id, view);
    }
    return view;
  }

  private allocate(plaintextCapacity: number): number {
    const size = DATA + 2 * plaintextCapacity + SIZES.tag;
    const pointer = this.lib._malloc(size);
    if (pointer === 0) throw new Error('out of WebAssembly memory');
    // malloc may have grown the memory.
    this.heap = this.lib.HEAPU8;
    this.views.clear();
    this.heap.fill(0, pointer, pointer + size);
    return pointer;
  }

  private writeAd(heap: Uint8Array, ad: readonly Uint8Array[]): number {
    let offset = this.base + AD;
    for (const part of ad) {
      heap.set(part, offset);
      offset += part.length;
    }
    return offset - (this.base + AD);
  }

  /** The arena's KDF and AEAD against the wrapper functions on a fixed input. */
  private agreesWith(sodium: Sodium): boolean {
    const key = new Uint8Array(SIZES.key).map((_, i) => i);
    const label = Uint8Array.of(4, 0x74, 0x65, 0x73, 0x74);
    const nonce = new Uint8Array(SIZES.nonce).map((_, i) => 100 + i);
    const ad = [label, key];
    const content = Uint8Array.of(1, 2, 3);
    if (!this.reserve(16)) return false;
    const chainKey = this.chainStep(label, key);
    const out = new Uint8Array(16 + SIZES.tag);
    this.seal(ad, content, 16, nonce, out, 0);
    const opened = this.open(ad, nonce, out)?.slice();
    this.wipe();

    const expected = sodium.crypto_generichash(2 * SIZES.key, label, key);
    const padded = new Uint8Array(16);
    padded.set(content);
    padded[content.length] = 0x80;
    const sealed = sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(
      padded,
      new Uint8Array([...label, ...key]),
      null,
      nonce,
      expected.subarray(SIZES.key),
    );
    return (
      equalBytes(chainKey, expected.subarray(0, SIZES.key)) &&
      equalBytes(out, sealed) &&
      opened !== undefined &&
      equalBytes(opened, padded)
    );
  }
}

const arenas = new WeakMap<object, SodiumArena | null>();
/** The instance asked for last and its arena (found once its module was there). */
let last: { readonly sodium: Sodium | null; readonly arena: SodiumArena | null } = {
  sodium: null,
  arena: null,
};

function isWasmLibsodium(lib: object): lib is WasmLibsodium {
  const record = lib as Record<string, unknown>;
  if (!(record['HEAPU8'] instanceof Uint8Array)) return false;
  return Object.entries(ARITY).every(([name, arity]) => {
    const fn = record[name];
    return typeof fn === 'function' && fn.length === arity;
  });
}
