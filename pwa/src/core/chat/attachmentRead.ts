import {
  attachmentCiphertextLength,
  createAttachmentDecryptor,
  createAttachmentHasher,
  isCryptoError,
} from '@vaultroom/shared/crypto';
import { readLocalFile } from '../files/LocalFiles.js';
import type { ChatContext } from './ChatContext.js';
import { ChatError } from './ChatError.js';
import { withFile, type AttachmentRecord } from './attachmentRecord.js';

/** A file kept on this device, opened for reading its plaintext as a stream. */
export interface OpenedAttachment {
  /** Plaintext size in bytes. */
  readonly size: number;
  /**
   * The plaintext from byte `from` to the end, decrypted piece by piece as the reader asks (the
   * whole file is never held). Each run decrypts from the start, since a secretstream chunk
   * opens only after the ones before it; bytes before `from` are dropped. A local copy damaged
   * meanwhile ends the run with FILE_DAMAGED at the first bad chunk.
   */
  read(from?: number): AsyncIterable<Uint8Array>;
}

const damaged = (error: unknown): unknown =>
  isCryptoError(error) ? new ChatError('FILE_DAMAGED', `file damaged: ${error.code}`) : error;

/**
 * Opens a file kept here (ChatEngine.openAttachment). The local ciphertext is checked first
 * against the pointer's length and hash (§1.16.4), without decrypting, so nothing is shown or
 * saved of a copy that changed since it was downloaded; each read then checks every chunk again.
 */
export async function openAttachment(
  ctx: ChatContext,
  messageId: string,
): Promise<OpenedAttachment> {
  const found = withFile(await ctx.serial(() => ctx.repo.loadMessage(messageId)));
  const localFile = found?.attachment.localFile ?? null;
  if (found === null || localFile === null) throw new ChatError('FILE_NOT_HERE');
  const { attachment } = found;
  await checkLocalCiphertext(ctx, attachment, localFile);
  return {
    size: attachment.size,
    read: (from = 0) => readPlaintext(ctx, attachment, localFile, from),
  };
}

async function checkLocalCiphertext(
  ctx: ChatContext,
  attachment: AttachmentRecord,
  localFile: string,
): Promise<void> {
  if ((await ctx.files.size(localFile)) !== attachmentCiphertextLength(attachment.size)) {
    throw new ChatError('FILE_DAMAGED', 'file damaged: TRUNCATED');
  }
  const hasher = createAttachmentHasher(ctx.sodium);
  for await (const piece of readLocalFile(ctx.files, localFile)) hasher.update(piece);
  const digest = hasher.digest();
  if (!ctx.sodium.memcmp(digest, attachment.hash)) {
    throw new ChatError('FILE_DAMAGED', 'file damaged: HASH_MISMATCH');
  }
}

async function* readPlaintext(
  ctx: ChatContext,
  attachment: AttachmentRecord,
  localFile: string,
  from: number,
): AsyncIterable<Uint8Array> {
  const decryptor = createAttachmentDecryptor(ctx.sodium, attachment);
  let at = 0;
  try {
    for await (const piece of readLocalFile(ctx.files, localFile)) {
      for (const plain of decryptor.push(piece)) {
        const start = at;
        at += plain.length;
        if (at <= from) continue;
        yield start >= from ? plain : plain.subarray(from - start);
      }
    }
    decryptor.finish();
  } catch (error) {
    throw damaged(error);
  }
}
