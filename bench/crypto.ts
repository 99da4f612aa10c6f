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
import sodium from 'libsodium-wrappers';
import { aeadAndSign, bareAead, directAead, handshakePrimitives } from './crypto/baselines.js';
import { group, handshakes, ratchet } from './crypto/candidates.js';
import {
  interleave as interleaveRounds,
  perSecond,
  ratioOf,
  round0,
  round2,
  sinkBit,
  type Pair,
} from './crypto/measure.js';
import {
  nativeAead,
  nativeBlake2b,
  nativeEd25519,
  nativeX25519,
  wasmBlake2b,
  wasmEd25519,
  wasmX25519,
} from './crypto/wasmVsNative.js';
import { benchArgs } from './lib/benchArgs.js';
import type { Figure } from './lib/Figure.js';
import { median } from './lib/median.js';
import { reportFigures } from './lib/reportFigures.js';

const args = benchArgs();
const SMOKE = args.smoke;
const ROUNDS = SMOKE ? 3 : 21;
/** Operations per timed chunk: about 20–60 ms each on a quiet machine, a few in a smoke run. */
const scale = (n: number) => (SMOKE ? Math.max(1, Math.ceil(n / 20)) : n);
const RATCHET_GOAL = 2;

const interleave = (
  candidate: () => number | Promise<number>,
  baseline: () => number | Promise<number>,
): Promise<Pair> => interleaveRounds(ROUNDS, candidate, baseline);

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
    `${((cpu.user + cpu.system) / 1e6).toFixed(1)} s (check ${sinkBit()})`,
);
console.log(
  `goal "ratchet message ≤ ${RATCHET_GOAL}× bare AEAD": ${ratchetRatio <= RATCHET_GOAL ? 'met' : 'NOT MET'} ` +
    `(median of pairwise ratios ${ratchetRatio.toFixed(2)}×)`,
);
reportFigures(figures, args.json);
