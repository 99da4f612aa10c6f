import { BLOB_API, TUS_VERSION } from '@vaultroom/shared';
import {
  attachmentCiphertextLength,
  createAttachmentDecryptor,
  isCryptoError,
} from '@vaultroom/shared/crypto';
import { ApiRequestError } from '../relay/ApiRequestError.js';
import { downloadBlob } from '../files/downloadBlob.js';
import { readLocalFile } from '../files/LocalFiles.js';
import { background, emit, type ChatContext } from './ChatContext.js';
import type { TransferOptions } from './ChatEngine.js';
import { ChatError } from './ChatError.js';
import type { MessageRecord } from './chatRecords.js';
import { newLocalFileName } from './attachmentNames.js';
import { withAttachment, withFile } from './attachmentRecord.js';
import { saveMessage } from './conversations.js';

/**
 * Fetches a received file (ChatEngine.downloadAttachment) and checks it as it arrives
 * (PROTOCOL.md §1.16.4). The ciphertext is written to a new local file while the decryptor
 * checks every chunk; only once the end checks pass (final chunk, length, hash) does the message
 * name the file. On any failure the partial file is deleted: nothing of a damaged file is kept.
 */
export async function downloadAttachment(
  ctx: ChatContext,
  messageId: string,
  options: TransferOptions = {},
): Promise<MessageRecord> {
  const message = await ctx.serial(() => ctx.repo.loadMessage(messageId));
  const attachment = message?.attachment ?? null;
  if (message === undefined || attachment === null || attachment.blobId === '') {
    throw new ChatError('UNKNOWN_MESSAGE');
  }
  if (attachment.localFile !== null) return message;
  const length = attachmentCiphertextLength(attachment.size);
  const decryptor = createAttachmentDecryptor(ctx.sodium, attachment);
  const name = newLocalFileName(ctx.sodium);
  const { blobId } = attachment;
  async function* checked(): AsyncIterable<Uint8Array> {
    let done = 0;
    for await (const piece of downloadBlob(ctx.fetch, blobId, {
      length,
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    })) {
      // The plaintext is not kept: this pass only checks; openAttachment decrypts again.
      decryptor.push(piece);
      done += piece.length;
      emit(ctx, {
        kind: 'transfer',
        message: messageId,
        direction: 'download',
        done,
        total: length,
      });
      options.signal?.throwIfAborted();
      yield piece;
    }
    decryptor.finish();
  }
  try {
    await ctx.files.write(name, checked());
  } catch (error) {
    await ctx.files.delete(name);
    throw downloadError(error, options.signal?.aborted === true);
  }
  return ctx.serial(async () => {
    const found = withFile(await ctx.repo.loadMessage(messageId));
    if (found === null) {
      // Deleted meanwhile (its time was up): nothing to keep.
      await ctx.files.delete(name);
      throw new ChatError('UNKNOWN_MESSAGE');
    }
    const next = withAttachment(found, { localFile: name, failure: null });
    await saveMessage(ctx, next);
    return next;
  });
}

function downloadError(error: unknown, cancelled: boolean): Error {
  if (cancelled) return new ChatError('CANCELLED');
  if (isCryptoError(error)) return new ChatError('FILE_DAMAGED', `file damaged: ${error.code}`);
  if (error instanceof ApiRequestError) return error;
  return new ChatError('TRANSFER_FAILED');
}

/** A file kept here, decrypted and checked again whole (the local copy could be damaged too). */
export async function openAttachment(ctx: ChatContext, messageId: string): Promise<Uint8Array[]> {
  const found = withFile(await ctx.serial(() => ctx.repo.loadMessage(messageId)));
  const localFile = found?.attachment.localFile ?? null;
  if (found === null || localFile === null) throw new ChatError('FILE_NOT_HERE');
  const decryptor = createAttachmentDecryptor(ctx.sodium, found.attachment);
  const plaintext: Uint8Array[] = [];
  try {
    for await (const piece of readLocalFile(ctx.files, localFile)) {
      plaintext.push(...decryptor.push(piece));
    }
    decryptor.finish();
  } catch (error) {
    if (isCryptoError(error)) throw new ChatError('FILE_DAMAGED', `file damaged: ${error.code}`);
    throw error;
  }
  return plaintext;
}

/**
 * A message with a file is being deleted (its time was up): the local ciphertext goes, and on
 * the sending device the blob at the relay too (§2.10: only its uploader may delete it). A relay
 * out of reach keeps the blob until its retention ends.
 */
export async function forgetAttachment(ctx: ChatContext, message: MessageRecord): Promise<void> {
  const attachment = message.attachment;
  if (attachment === null) return;
  ctx.transfers.get(message.id)?.abort.abort();
  if (attachment.localFile !== null) await ctx.files.delete(attachment.localFile);
  const uploaded = attachment.blobId !== '' ? BLOB_API.blob(attachment.blobId) : null;
  const target = message.outgoing ? (uploaded ?? attachment.uploadLocation) : null;
  if (target === null) return;
  background(ctx, 'delete blob', async () => {
    const response = await ctx.fetch(target, {
      method: 'DELETE',
      credentials: 'same-origin',
      headers: { 'Tus-Resumable': TUS_VERSION },
    });
    if (!response.ok && response.status !== 404) {
      throw new ApiRequestError(
        'UNKNOWN',
        `blob not deleted: HTTP ${String(response.status)}`,
        response.status,
      );
    }
  });
}
