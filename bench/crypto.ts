/**
 * End-to-end protocol benchmark: handshakes/s (X3DH + X-Wing, both sides), pairwise ratchet
 * encrypt+decrypt/s and group encrypt/s for 200-byte messages, each beside a bare
 * XChaCha20-Poly1305 encrypt+decrypt loop measured in the same run. Candidate and baseline are
 * interleaved (A B A B …) because this machine's speed drifts; we print medians and the median
 * of the pairwise ratios (DESIGN.md §9).
 *
 *   npx tsx bench/crypto.ts          full run (well under a minute)
 *   npx tsx bench/crypto.ts --smoke  a few seconds, for CI
 */
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

const SMOKE = process.argv.includes('--smoke');
const ROUNDS = SMOKE ? 3 : 21;
const MESSAGE_BYTES = 200;
const RATCHET_TARGET = 2;

await sodium.ready;

const message = sodium.randombytes_buf(MESSAGE_BYTES);
const aeadKey = sodium.crypto_aead_xchacha20poly1305_ietf_keygen();
const ad = sodium.randombytes_buf(64);

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

/** Runs `body` n times and returns operations per second. */
function rate(n: number, body: () => void): number {
  const start = performance.now();
  for (let i = 0; i < n; i++) body();
  return (n * 1000) / (performance.now() - start);
}
async function rateAsync(n: number, body: () => Promise<void>): Promise<number> {
  const start = performance.now();
  for (let i = 0; i < n; i++) await body();
  return (n * 1000) / (performance.now() - start);
}

/**
 * Baseline: one message with nothing but the AEAD: a fresh nonce from the same random source the
 * ratchet uses (systemRandom), 64 bytes of associated data, encrypt then decrypt.
 */
const random = systemRandom(sodium);
function bareAead(n: number): number {
  return rate(n, () => {
    const nonce = random(24);
    const sealed = sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(
      message,
      ad,
      null,
      nonce,
      aeadKey,
    );
    sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(null, sealed, ad, nonce, aeadKey);
  });
}

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

function ratchet(n: number): number {
  return rate(n, () => {
    const out = encryptMessage(sodium, sender, message);
    sender = out.session;
    receiver = decryptMessage(sodium, receiver, decodeRatchetMessage(out.message)).session;
  });
}

let senderKey = createSenderKey(sodium, new Uint8Array(16));
function group(n: number): number {
  return rate(n, () => {
    senderKey = groupEncrypt(sodium, senderKey, message).state;
  });
}

// Handshakes: a fresh responder with enough one-time prekeys, measured end to end (initiator
// verifies the bundle, 4 DHs + X-Wing encapsulation, first message; responder 4 DHs + X-Wing
// decapsulation + first decrypt), stores in memory.
async function handshakes(n: number): Promise<number> {
  const responder = generateDeviceKeys(sodium, { now: 0, oneTimePrekeys: 0 });
  const prekeys = generateOneTimePrekeys(sodium, 1, n);
  const stores = createMemoryStores({ ...responder, oneTimePrekeys: prekeys });
  let i = 0;
  return rateAsync(n, async () => {
    const prekey = prekeys[i++];
    const bundle = createPrekeyBundle(
      responder.identity,
      responder.signedPrekey,
      responder.pqPrekey,
      prekey,
    );
    const session = initiateSession(sodium, alice.identity, bundle);
    const first = encryptMessage(sodium, session, message).message;
    await receiveMessage(sodium, stores, responder.identity, `peer${i}`, first);
  });
}

interface Pair {
  readonly candidate: number[];
  readonly baseline: number[];
}
const results = new Map<string, Pair>();
async function interleave(
  name: string,
  candidate: () => number | Promise<number>,
  baselineN: number,
): Promise<void> {
  const pair: Pair = { candidate: [], baseline: [] };
  results.set(name, pair);
  for (let r = 0; r < ROUNDS; r++) {
    pair.baseline.push(bareAead(baselineN));
    pair.candidate.push(await candidate());
  }
}

const cpuStart = process.cpuUsage();
const wallStart = performance.now();
// Warm up the JIT and the WebAssembly tiers.
bareAead(2000);
ratchet(500);
group(200);
await handshakes(5);

await interleave(
  'ratchet encrypt+decrypt (200 B)',
  () => ratchet(SMOKE ? 500 : 6000),
  SMOKE ? 1000 : 15000,
);
await interleave(
  'group encrypt (200 B, signed)',
  () => group(SMOKE ? 200 : 2000),
  SMOKE ? 1000 : 15000,
);
await interleave(
  'handshake (X3DH + X-Wing, both sides)',
  () => handshakes(SMOKE ? 5 : 40),
  SMOKE ? 1000 : 15000,
);

const fmt = (x: number) => x.toFixed(0).padStart(9);
console.log(
  `libsodium ${sodium.sodium_version_string()}, ${ROUNDS} interleaved rounds${SMOKE ? ' (smoke)' : ''}`,
);
console.log(
  'operation                                   median/s   bare AEAD/s   median(bare/op) ratio',
);
let ratchetRatio = Number.NaN;
for (const [name, pair] of results) {
  const ratios = pair.baseline.map((b, i) => b / (pair.candidate[i] ?? Number.NaN));
  const ratio = median(ratios);
  if (name.startsWith('ratchet')) ratchetRatio = ratio;
  console.log(
    `${name.padEnd(42)} ${fmt(median(pair.candidate))}   ${fmt(median(pair.baseline))}   ${ratio.toFixed(2).padStart(8)}×`,
  );
}
const cpu = process.cpuUsage(cpuStart);
console.log(
  `wall ${((performance.now() - wallStart) / 1000).toFixed(1)} s, process CPU ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s`,
);
console.log(
  `goal "ratchet message ≤ ${RATCHET_TARGET}× bare AEAD": ${ratchetRatio <= RATCHET_TARGET ? 'MET' : 'NOT MET'} (median ratio ${ratchetRatio.toFixed(2)}×)`,
);
