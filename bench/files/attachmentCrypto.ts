import {
  attachmentLabels,
  createAttachmentDecryptor,
  createAttachmentEncryptor,
} from '@vaultroom/shared/crypto';
import type sodiumWrappers from 'libsodium-wrappers';

/** The whole libsodium API: the bare baseline calls what the shared library's port leaves out. */
type Libsodium = typeof sodiumWrappers;

const { ATTACHMENT_CHUNK_BYTES } = attachmentLabels;

/**
 * The cost of VaultRoom's attachment encryption (PROTOCOL.md §1.16.1: padding, 64 KiB
 * secretstream chunks, the BLAKE2b hash of the ciphertext) against bare secretstream calls over
 * the same bytes in the same chunks, which is the least any chunked AEAD of a file costs.
 */
export interface CryptoTimes {
  readonly encryptMs: number;
  readonly bareEncryptMs: number;
  /** The same bare calls with BLAKE2b over their output: where the rest of the cost goes. */
  readonly bareHashedMs: number;
  readonly decryptMs: number;
}

/**
 * This process's CPU time in ms (user and system). The machines these run on are shared: wall
 * time counts the moments another process had the core, and varied 2× between repetitions here,
 * while CPU time counts only the work measured (BENCHMARKS.md, method).
 */
function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/** Feeds `plaintext` in pieces of `piece` bytes, as a file reader would. */
function pieces(plaintext: Uint8Array, piece: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let at = 0; at < plaintext.length; at += piece) out.push(plaintext.subarray(at, at + piece));
  return out;
}

export function measureAttachmentCrypto(sodium: Libsodium, plaintext: Uint8Array): CryptoTimes {
  const reads = pieces(plaintext, 1024 * 1024);

  // Timed without keeping the output, like the bare loops; the decryption below gets its
  // ciphertext from an untimed run.
  const encryptAll = (keep: Uint8Array[] | null) => {
    const encryptor = createAttachmentEncryptor(sodium, plaintext.length);
    let length = 0;
    const take = (out: Uint8Array[]) => {
      for (const piece of out) length += piece.length;
      keep?.push(...out);
    };
    for (const read of reads) take(encryptor.push(read));
    const { pieces: last, result } = encryptor.finish();
    take(last);
    if (length !== encryptor.ciphertextLength) throw new Error('ciphertext length differs');
    return result;
  };
  let started = cpuMs();
  encryptAll(null);
  const encryptMs = cpuMs() - started;
  const ciphertext: Uint8Array[] = [];
  const result = encryptAll(ciphertext);

  started = cpuMs();
  const key = sodium.crypto_secretstream_xchacha20poly1305_keygen();
  const { state } = sodium.crypto_secretstream_xchacha20poly1305_init_push(key);
  const tag = sodium.crypto_secretstream_xchacha20poly1305_TAG_MESSAGE;
  let sink = 0;
  for (const chunk of pieces(plaintext, ATTACHMENT_CHUNK_BYTES)) {
    sink += sodium.crypto_secretstream_xchacha20poly1305_push(state, chunk, null, tag).length;
  }
  const bareEncryptMs = cpuMs() - started;
  if (sink === 0) throw new Error('bare secretstream produced nothing');

  started = cpuMs();
  const hashed = sodium.crypto_secretstream_xchacha20poly1305_init_push(key).state;
  const hash = sodium.crypto_generichash_init(null, 32);
  for (const chunk of pieces(plaintext, ATTACHMENT_CHUNK_BYTES)) {
    const sealed = sodium.crypto_secretstream_xchacha20poly1305_push(hashed, chunk, null, tag);
    sodium.crypto_generichash_update(hash, sealed);
  }
  sink = sodium.crypto_generichash_final(hash, 32).length;
  const bareHashedMs = cpuMs() - started;

  started = cpuMs();
  const decryptor = createAttachmentDecryptor(sodium, { ...result, size: plaintext.length });
  let opened = 0;
  for (const piece of ciphertext) for (const out of decryptor.push(piece)) opened += out.length;
  decryptor.finish();
  const decryptMs = cpuMs() - started;
  if (opened < plaintext.length) throw new Error('decryption gave back fewer bytes');
  return { encryptMs, bareEncryptMs, bareHashedMs, decryptMs };
}
