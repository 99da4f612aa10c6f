/**
 * Files (issue #19, PROTOCOL.md §1.16 and §2.10), each beside a baseline measured in the same run:
 *
 * - encryption of a 100 MiB file against bare secretstream calls over the same bytes
 *   (goal: at most 1.3× the cost);
 * - upload and download of its ciphertext through the relay's blob store against the relay
 *   serving the same number of bytes as a static file of its app, over the same TLS and one
 *   keep-alive connection (goal: at least 0.5× the throughput);
 * - peak memory of the sending and the receiving page in Chromium, above idle, while the file is
 *   sent, then downloaded and saved (goal: under 64 MiB; pageMemory.ts says what is measured).
 *
 *   npx tsx --conditions=source bench/files/files.ts [--smoke] [--json <file>]
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { attachmentCiphertextLength } from '@vaultroom/shared/crypto';
import sodium from 'libsodium-wrappers';
import { benchArgs } from '../lib/benchArgs.js';
import type { Figure } from '../lib/Figure.js';
import { median } from '../lib/median.js';
import { reportFigures } from '../lib/reportFigures.js';
import { startRelayProcess } from '../../relay/test/relayProcess.js';
import { signUpAccounts } from '../relay/signUpAccounts.js';
import { measureAttachmentCrypto } from './attachmentCrypto.js';
import { createTransferClient } from './blobTransfer.js';
import { measurePageMemory } from './pageMemory.js';

const ARGS = benchArgs();
const SMOKE = ARGS.smoke;
const MIB = 1024 * 1024;
const FILE_BYTES = (SMOKE ? 4 : 100) * MIB;
const ROUNDS = SMOKE ? 1 : 3;
const judged = (met: boolean) => (SMOKE ? {} : { met });
const SMOKE_NOTE = 'smoke run: checks the harness, measures nothing';
const smokeNote = SMOKE ? { note: SMOKE_NOTE } : {};
const size = `${String(FILE_BYTES / MIB)} MiB`;

await sodium.ready;
const figures: Figure[] = [];

// ---- encryption --------------------------------------------------------------------------------

const plaintext = new Uint8Array(randomBytes(FILE_BYTES));
const crypto = Array.from({ length: ROUNDS }, () => measureAttachmentCrypto(sodium, plaintext));
const encryptMs = median(crypto.map((round) => round.encryptMs));
const bareMs = median(crypto.map((round) => round.bareEncryptMs));
figures.push({
  name: 'files.encrypt_ms',
  value: Math.round(encryptMs),
  unit: 'ms',
  baseline: 'bare secretstream, 64 KiB chunks',
  baseline_value: Math.round(bareMs),
  ratio: median(crypto.map((round) => round.encryptMs / round.bareEncryptMs)),
  goal: '<= 1.3',
  ...judged(median(crypto.map((round) => round.encryptMs / round.bareEncryptMs)) <= 1.3),
  note: `${size} in 1 MiB reads; padding, chunks and the BLAKE2b hash of the ciphertext`,
  ...smokeNote,
});
figures.push({
  name: 'files.bare_hashed_ms',
  value: Math.round(median(crypto.map((round) => round.bareHashedMs))),
  unit: 'ms',
  note: 'the baseline plus BLAKE2b over its output: the floor for a hashed ciphertext',
  ...smokeNote,
});
figures.push({
  name: 'files.decrypt_ms',
  value: Math.round(median(crypto.map((round) => round.decryptMs))),
  unit: 'ms',
  note: `${size}, hash checked before the file counts as opened`,
  ...smokeNote,
});

// ---- transfer ----------------------------------------------------------------------------------

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vaultroom-bench-files-'));
// The baseline: the same number of bytes as the blob, served from the app directory (held in
// memory, not compressed: an octet stream), which is the fastest answer the relay gives.
const pwaDir = path.join(dataDir, 'pwa');
fs.mkdirSync(pwaDir);
fs.writeFileSync(path.join(pwaDir, 'index.html'), '<!doctype html><title>bench</title>');
const blob = new Uint8Array(randomBytes(attachmentCiphertextLength(FILE_BYTES)));
fs.writeFileSync(path.join(pwaDir, 'same-bytes.bin'), blob);
const relay = await startRelayProcess({
  dataDir,
  args: ['--pwa-dir', pwaDir],
  env: { VAULTROOM_REGISTRATION: 'open' },
  keepLogs: false,
});
try {
  const port = relay.httpsPort;
  const ca = relay.caPem();
  const [cookie] = await signUpAccounts({ port, ca }, 1, 'files');
  if (cookie === undefined) throw new Error('no account');
  const client = createTransferClient({ port, ca, cookie });
  const rounds: { uploadMs: number; downloadMs: number; staticMs: number }[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    let started = performance.now();
    if ((await client.staticFile('/same-bytes.bin')) !== blob.length) throw new Error('short');
    const staticMs = performance.now() - started;
    started = performance.now();
    const id = await client.upload(blob);
    const uploadMs = performance.now() - started;
    started = performance.now();
    if ((await client.download(id)) !== blob.length) throw new Error('short download');
    const downloadMs = performance.now() - started;
    rounds.push({ uploadMs, downloadMs, staticMs });
  }
  client.close();
  // Throughput in MiB/s: the blob crosses the connection twice (up, then down); the static
  // file once.
  const through = (round: (typeof rounds)[number]) =>
    (2 * blob.length) / MIB / ((round.uploadMs + round.downloadMs) / 1000);
  const baseline = (round: (typeof rounds)[number]) => blob.length / MIB / (round.staticMs / 1000);
  const ratio = median(rounds.map((round) => through(round) / baseline(round)));
  const up = median(rounds.map((round) => blob.length / MIB / (round.uploadMs / 1000)));
  const down = median(rounds.map((round) => blob.length / MIB / (round.downloadMs / 1000)));
  figures.push({
    name: 'files.transfer_mib_per_s',
    value: Math.round(median(rounds.map(through))),
    unit: 'MiB/s',
    baseline: 'the same bytes as a static file, same TLS',
    baseline_value: Math.round(median(rounds.map(baseline))),
    ratio,
    goal: '>= 0.5',
    ...judged(ratio >= 0.5),
    note: SMOKE
      ? SMOKE_NOTE
      : `${size} of ciphertext up (tus, 4 MiB pieces: ${up.toFixed(0)} MiB/s) and down (${down.toFixed(0)} MiB/s), one keep-alive connection`,
  });
} finally {
  await relay.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
}

// ---- page memory -------------------------------------------------------------------------------

const memory = await measurePageMemory(FILE_BYTES);
for (const [side, measured, what] of [
  ['send', memory.send, 'picked, encrypted to the origin-private file system and uploaded'],
  ['receive', memory.receive, 'downloaded, checked, then saved through the service worker'],
] as const) {
  const above = measured.peakMib - measured.idleMib;
  figures.push({
    name: `files.page_memory_${side}_mib`,
    value: Math.round(above),
    unit: 'MiB',
    goal: '< 64',
    ...judged(above < 64),
    note: SMOKE
      ? SMOKE_NOTE
      : `${size} ${what} in ${measured.seconds.toFixed(1)} s; renderer RSS peak ${measured.peakMib.toFixed(0)} MiB over idle ${measured.idleMib.toFixed(0)} MiB, one run`,
  });
}

console.log(
  `files, ${String(ROUNDS)} rounds${SMOKE ? ' (smoke: checks the harness, measures nothing)' : ''}`,
);
reportFigures(figures, ARGS.json);
