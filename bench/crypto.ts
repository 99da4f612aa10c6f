/**
 * End-to-end protocol benchmark, each figure beside a baseline measured in the same run:
 *
 * - a ratchet message (encrypt + decrypt, 200 bytes) against a bare XChaCha20-Poly1305 encrypt +
 *   decrypt of the same 200 bytes through libsodium-wrappers (goal: at most 2× its cost), and
 *   against the same AEAD called on libsodium's WebAssembly exports directly, which is how the
 *   ratchet calls it;
 * - group encrypt (chain step, AEAD, Ed25519 signature) against a bare AEAD encrypt + signature;
 * - handshakes (X3DH + X-Wing, both sides, first message included) against the same public-key
 *   operations called bare;
 * - libsodium-wrappers (WebAssembly) against sodium-native (the machine's libsodium) for
 *   XChaCha20-Poly1305, X25519, BLAKE2b and Ed25519: how far the browser build is from native.
 *
 * Candidate and baseline are interleaved (A B B A …) because this machine's speed drifts; we
 * report medians and the median of the pairwise ratios (DESIGN.md §9).
 *
 *   npx tsx --conditions=source bench/crypto.ts                   full run (about a minute)
 *   npx tsx --conditions=source bench/crypto.ts --smoke           seconds: checks the harness
 *   npx tsx --conditions=source bench/crypto.ts --json out.json   also writes {"figures":[...]}
 */
import { createRequire } from 'node:module';
import sodium from 'libsodium-wrappers';
import {
  createMemoryStores,
  createPrekeyBundle,
  createSenderKey,
  decodeRatchetMessage,
  decryptMessage,
  encryptMessage,
  generateDeviceKeys,
  generateOneTimePrekeys,
  groupEncrypt,
  initiateSession,
  receiveMessage,
  sendMessage,
  systemRandom,
  type SessionState,
} from '@vaultroom/shared/crypto';
import { benchArgs } from './lib/benchArgs.js';
import type { Figure } from './lib/Figure.js';
import { median } from './lib/median.js';
import { reportFigures } from './lib/reportFigures.js';

const args = benchArgs();
const SMOKE = args.smoke;
const ROUNDS = SMOKE ? 3 : 21;
/** Operations per timed chunk: about 20–60 ms each on a quiet machine, a few in a smoke run. */
const scale = (n: number) => (SMOKE ? Math.max(1, Math.ceil(n / 20)) : n);
const MESSAGE_BYTES = 200;
const RATCHET_GOAL = 2;

await sodium.ready;

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

/** libsodium's WebAssembly exports behind libsodium-wrappers (u64 lengths as two halves). */
interface WasmLibsodium {
  readonly HEAPU8: Uint8Array;
  _malloc(size: number): number;
  _crypto_aead_xchacha20poly1305_ietf_encrypt(...args: number[]): number;
  _crypto_aead_xchacha20poly1305_ietf_decrypt(...args: number[]): number;
}
const wasm = (sodium as unknown as { readonly libsodium: WasmLibsodium }).libsodium;

const random = systemRandom(sodium);
const message = sodium.randombytes_buf(MESSAGE_BYTES);
const aeadKey = sodium.crypto_aead_xchacha20poly1305_ietf_keygen();
const ad = sodium.randombytes_buf(64);
let sink = 0;
/** Keeps a result alive, so no engine can skip the work that made it. */
const use = (bytes: Uint8Array) => {
  sink ^= bytes[0] ?? 0;
};

/** Microseconds per call of `body`, over n calls. */
function cost(n: number, body: () => void): number {
  const start = performance.now();
  for (let i = 0; i < n; i++) body();
  return ((performance.now() - start) * 1000) / n;
}
async function costAsync(n: number, body: () => Promise<void>): Promise<number> {
  const start = performance.now();
  for (let i = 0; i < n; i++) await body();
  return ((performance.now() - start) * 1000) / n;
}

// --- Baselines -------------------------------------------------------------------------------

/**
 * One message with nothing but the AEAD through libsodium-wrappers: a fresh nonce from the same
 * random source the ratchet uses, 64 bytes of associated data, encrypt then decrypt.
 */
const bareAead = (n: number) =>
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
const directAead = (n: number) =>
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
const signing = sodium.crypto_sign_keypair();
const padded = sodium.randombytes_buf(256);
const aeadAndSign = (n: number) =>
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
const handshakePrimitives = (n: number) =>
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

// --- Candidates ------------------------------------------------------------------------------

// Two connected sessions in steady state (one sending chain, no DH step per message).
const alice = generateDeviceKeys(sodium, { now: 0, oneTimePrekeys: 1 });
const bob = generateDeviceKeys(sodium, { now: 0, oneTimePrekeys: 1 });
const aliceStores = createMemoryStores(alice);
const bobStores = createMemoryStores(bob);
await aliceStores.sessions.storeSession(
  'bob',
  initiateSession(
    sodium,
    alice.identity,
    createPrekeyBundle(bob.identity, bob.signedPrekey, bob.pqPrekey),
    0,
  ),
);
await receiveMessage(
  sodium,
  bobStores,
  bob.identity,
  'alice',
  await sendMessage(sodium, aliceStores.sessions, 'bob', message),
);
await receiveMessage(
  sodium,
  aliceStores,
  alice.identity,
  'bob',
  await sendMessage(sodium, bobStores.sessions, 'alice', message),
);
function stored(stores: typeof aliceStores, address: string): SessionState {
  const session = stores.peekSession(address);
  if (!session) throw new Error(`no session with ${address}`);
  return session;
}
let sender = stored(aliceStores, 'bob');
let receiver = stored(bobStores, 'alice');

/** A ratchet message end to end: encrypt, parse, decrypt (what sendMessage/receiveMessage do). */
const ratchet = (n: number) =>
  cost(n, () => {
    const out = encryptMessage(sodium, sender, message);
    sender = out.session;
    const opened = decryptMessage(sodium, receiver, decodeRatchetMessage(out.message));
    receiver = opened.session;
    use(opened.content);
  });

let senderKey = createSenderKey(sodium, new Uint8Array(16));
const group = (n: number) =>
  cost(n, () => {
    const out = groupEncrypt(sodium, senderKey, message);
    senderKey = out.state;
    use(out.message);
  });

/**
 * Handshakes against a fresh responder holding enough one-time prekeys (made before timing):
 * the initiator verifies the bundle, 4 DHs + X-Wing encapsulation, first message; the responder
 * 4 DHs + X-Wing decapsulation and the first decrypt; stores in memory.
 */
async function handshakes(n: number): Promise<number> {
  const responder = generateDeviceKeys(sodium, { now: 0, oneTimePrekeys: 0 });
  const prekeys = generateOneTimePrekeys(sodium, 1, n);
  const stores = createMemoryStores({ ...responder, oneTimePrekeys: prekeys });
  let i = 0;
  return costAsync(n, async () => {
    const bundle = createPrekeyBundle(
      responder.identity,
      responder.signedPrekey,
      responder.pqPrekey,
      prekeys[i++],
    );
    const session = initiateSession(sodium, alice.identity, bundle, 0);
    const first = encryptMessage(sodium, session, message).message;
    await receiveMessage(sodium, stores, responder.identity, `peer${i}`, first);
  });
}

// --- WebAssembly against native ----------------------------------------------------------------

const nativeKey = Buffer.from(aeadKey);
const nativeSealed = Buffer.alloc(MESSAGE_BYTES + 16);
const nativeOpened = Buffer.alloc(MESSAGE_BYTES);
const nativeNonce = Buffer.alloc(24);
const nativeAead = (n: number) =>
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
const wasmX25519 = (n: number) =>
  cost(n, () => {
    use(sodium.crypto_scalarmult(dhSecret, dhPublic));
  });
const nativeShared = Buffer.alloc(32);
const nativeX25519 = (n: number) =>
  cost(n, () => {
    native.crypto_scalarmult(nativeShared, dhSecret, dhPublic);
    use(nativeShared);
  });

const wasmBlake2b = (n: number) =>
  cost(n, () => {
    use(sodium.crypto_generichash(64, message, aeadKey));
  });
const nativeHash = Buffer.alloc(64);
const nativeBlake2b = (n: number) =>
  cost(n, () => {
    native.crypto_generichash(nativeHash, message, nativeKey);
    use(nativeHash);
  });

const wasmEd25519 = (n: number) =>
  cost(n, () => {
    use(sodium.crypto_sign_detached(message, signing.privateKey));
  });
const nativeSigningKey = Buffer.from(signing.privateKey);
const nativeSignature = Buffer.alloc(64);
const nativeEd25519 = (n: number) =>
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

// --- Interleaved rounds ----------------------------------------------------------------------

interface Pair {
  readonly candidate: number[];
  readonly baseline: number[];
}

/** ROUNDS rounds of candidate and baseline, alternating which goes first (A B, B A, …). */
async function interleave(
  candidate: () => number | Promise<number>,
  baseline: () => number | Promise<number>,
): Promise<Pair> {
  const pair: Pair = { candidate: [], baseline: [] };
  for (let r = 0; r < ROUNDS; r++) {
    if (r % 2 === 0) {
      pair.candidate.push(await candidate());
      pair.baseline.push(await baseline());
    } else {
      pair.baseline.push(await baseline());
      pair.candidate.push(await candidate());
    }
  }
  return pair;
}

/** Median of the pairwise ratios of `a` over `b`. */
const ratioOf = (a: readonly number[], b: readonly number[]) =>
  median(a.map((x, i) => x / (b[i] ?? Number.NaN)));
const perSecond = (micros: readonly number[]) => micros.map((us) => 1e6 / us);
const round2 = (x: number) => Math.round(x * 100) / 100;
const round0 = (x: number) => Math.round(x);

const cpuStart = process.cpuUsage();
const wallStart = performance.now();

// Warm up the JIT and the WebAssembly tiers.
bareAead(scale(3000));
directAead(scale(3000));
ratchet(scale(2000));
group(scale(200));
aeadAndSign(scale(200));
handshakePrimitives(scale(10));
await handshakes(SMOKE ? 2 : 10);
nativeAead(scale(3000));
wasmX25519(scale(300));
nativeX25519(scale(300));

const ratchetPair = await interleave(
  () => ratchet(scale(4000)),
  () => bareAead(scale(6000)),
);
const directPair = await interleave(
  () => ratchet(scale(4000)),
  () => directAead(scale(6000)),
);
const groupPair = await interleave(
  () => group(scale(600)),
  () => aeadAndSign(scale(600)),
);
const handshakePair = await interleave(
  () => handshakes(SMOKE ? 2 : 12),
  () => handshakePrimitives(SMOKE ? 2 : 12),
);
const xchachaPair = await interleave(
  () => bareAead(scale(6000)),
  () => nativeAead(scale(12000)),
);
const x25519Pair = await interleave(
  () => wasmX25519(scale(600)),
  () => nativeX25519(scale(1500)),
);
const blake2bPair = await interleave(
  () => wasmBlake2b(scale(10000)),
  () => nativeBlake2b(scale(20000)),
);
const ed25519Pair = await interleave(
  () => wasmEd25519(scale(600)),
  () => nativeEd25519(scale(1500)),
);

const smokeNote = SMOKE ? 'smoke run: checks the harness, measures nothing' : undefined;
const note = (text: string) => (smokeNote ? `${smokeNote}; ${text}` : text);

const ratchetRatio = ratioOf(ratchetPair.candidate, ratchetPair.baseline);
const figures: Figure[] = [
  {
    name: 'crypto.ratchet_vs_aead',
    value: round2(median(ratchetPair.candidate)),
    unit: 'us',
    baseline: 'crypto.aead_encrypt_decrypt',
    baseline_value: round2(median(ratchetPair.baseline)),
    ratio: round2(ratchetRatio),
    goal: `<= ${RATCHET_GOAL}`,
    met: ratchetRatio <= RATCHET_GOAL,
    note: note(
      'microseconds per 200-byte message, encrypt + parse + decrypt, beside XChaCha20-Poly1305 encrypt + decrypt of 200 bytes through libsodium-wrappers',
    ),
  },
  {
    name: 'crypto.ratchet_vs_direct_aead',
    value: round2(median(directPair.candidate)),
    unit: 'us',
    baseline: 'crypto.direct_aead_encrypt_decrypt',
    baseline_value: round2(median(directPair.baseline)),
    ratio: round2(ratioOf(directPair.candidate, directPair.baseline)),
    note: note(
      "the same ratchet message beside the AEAD called on libsodium's WebAssembly exports directly, as the ratchet calls it",
    ),
  },
  {
    name: 'crypto.group_encrypt_per_s',
    value: round0(median(perSecond(groupPair.candidate))),
    unit: 'msgs/s',
    baseline: 'crypto.aead_sign_per_s',
    baseline_value: round0(median(perSecond(groupPair.baseline))),
    ratio: round2(ratioOf(perSecond(groupPair.candidate), perSecond(groupPair.baseline))),
    note: note(
      '200-byte group messages; baseline: bare AEAD of 256 bytes plus an Ed25519 signature',
    ),
  },
  {
    name: 'crypto.handshakes_per_s',
    value: round0(median(perSecond(handshakePair.candidate))),
    unit: 'handshakes/s',
    baseline: 'crypto.handshake_primitives_per_s',
    baseline_value: round0(median(perSecond(handshakePair.baseline))),
    ratio: round2(ratioOf(perSecond(handshakePair.candidate), perSecond(handshakePair.baseline))),
    note: note(
      'X3DH + X-Wing, both sides, first message included; baseline: the same public-key operations called bare',
    ),
  },
  ...(
    [
      ['xchacha', 'XChaCha20-Poly1305 encrypt + decrypt, 200 bytes', xchachaPair],
      ['x25519', 'X25519 scalar multiplication', x25519Pair],
      ['blake2b', 'BLAKE2b-512 keyed, 200 bytes', blake2bPair],
      ['ed25519', 'Ed25519 signature, 200 bytes', ed25519Pair],
    ] as const
  ).map(([primitive, what, pair]): Figure => ({
    name: `crypto.wasm_vs_native_${primitive}`,
    value: round0(median(perSecond(pair.candidate))),
    unit: 'ops/s',
    baseline: `crypto.native_${primitive}_per_s`,
    baseline_value: round0(median(perSecond(pair.baseline))),
    ratio: round2(ratioOf(perSecond(pair.candidate), perSecond(pair.baseline))),
    note: note(`${what}: libsodium-wrappers (WebAssembly) beside sodium-native`),
  })),
];

// --- Report ----------------------------------------------------------------------------------

const cpu = process.cpuUsage(cpuStart);
console.log(
  `libsodium ${sodium.sodium_version_string()} (libsodium-wrappers, WebAssembly) beside sodium-native; ` +
    `${ROUNDS} interleaved rounds${SMOKE ? ' (smoke: checks the harness, measures nothing)' : ''}`,
);
console.log(
  `wall ${((performance.now() - wallStart) / 1000).toFixed(1)} s, process CPU ` +
    `${((cpu.user + cpu.system) / 1e6).toFixed(1)} s (check ${sink & 1})`,
);
console.log(
  `goal "ratchet message ≤ ${RATCHET_GOAL}× bare AEAD": ${ratchetRatio <= RATCHET_GOAL ? 'met' : 'NOT MET'} ` +
    `(median of pairwise ratios ${ratchetRatio.toFixed(2)}×)`,
);
reportFigures(figures, args.json);
