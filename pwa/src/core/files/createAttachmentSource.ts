import {
  attachmentCiphertextLength,
  createAttachmentEncryptor,
  systemRandom,
  type EncryptedAttachment,
  type Random,
  type Sodium,
} from '@vaultroom/shared/crypto';

/** The file being sent, read in pieces (a `File`'s `slice().arrayBuffer()` in the browser). */
export interface PlaintextFile {
  readonly size: number;
  read(offset: number, length: number): Promise<Uint8Array>;
}

export interface AttachmentSource {
  /** The ciphertext's length: the upload's Upload-Length. */
  readonly length: number;
  /** The ciphertext from `offset` to the end, for uploadBlob; each call encrypts afresh. */
  readonly source: (offset: number) => AsyncIterable<Uint8Array>;
  /** Key and hash for the pointer, once a run has reached the end; null before. */
  readonly result: () => EncryptedAttachment | null;
}

/** Plaintext read per step: a few chunks, so memory stays small whatever the file's size. */
const READ_BYTES = 1024 * 1024;

/**
 * The ciphertext of one attachment (PROTOCOL.md §1.16) as a restartable stream. Key and header are
 * drawn once; every run replays them to the encryptor, so every run gives the same bytes and a
 * resumed upload can start anywhere without the ciphertext being stored: the run re-encrypts from
 * the start (about 130 MiB/s) and skips what the relay already has. The hash covers the whole
 * ciphertext because every run encrypts all of it.
 */
export function createAttachmentSource(
  sodium: Sodium,
  file: PlaintextFile,
  random: Random = systemRandom(sodium),
): AttachmentSource {
  const key = random(32);
  const header = random(24);
  let result: EncryptedAttachment | null = null;
  const replay = (): Random => {
    const draws = [key, header];
    return (length) => {
      const next = draws.shift();
      if (next?.length !== length) throw new Error('unexpected draw');
      return next.slice();
    };
  };
  async function* run(offset: number): AsyncIterable<Uint8Array> {
    const encryptor = createAttachmentEncryptor(sodium, file.size, replay());
    let position = 0;
    // Yields what lies at or after `offset`, counting what it skips.
    function* from(pieces: Uint8Array[]): Iterable<Uint8Array> {
      for (const piece of pieces) {
        const start = Math.max(0, offset - position);
        position += piece.length;
        if (start < piece.length) yield piece.subarray(start);
      }
    }
    for (let at = 0; at < file.size; at += READ_BYTES) {
      const plaintext = await file.read(at, Math.min(READ_BYTES, file.size - at));
      yield* from(encryptor.push(plaintext));
    }
    const done = encryptor.finish();
    yield* from(done.pieces);
    result = done.result;
  }
  return {
    length: attachmentCiphertextLength(file.size),
    source: run,
    result: () => result,
  };
}
