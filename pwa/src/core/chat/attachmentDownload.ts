import { BLOB_API, TUS_VERSION } from '@vaultroom/shared';
import {
  attachmentCiphertextLength,
  createAttachmentDecryptor,
  isCryptoError,
  type AttachmentDecryptor,
} from '@vaultroom/shared/crypto';
import { ApiRequestError } from '../relay/ApiRequestError.js';
import { batchPieces } from '../files/batchPieces.js';
import { downloadBlob } from '../files/downloadBlob.js';
import { readLocalFile } from '../files/LocalFiles.js';
import { background, emit, type ChatContext } from './ChatContext.js';
import type { TransferOptions } from './ChatEngine.js';
import { ChatError } from './ChatError.js';
import type { MessageRecord } from './chatRecords.js';
import { newLocalFileName } from './attachmentNames.js';
import { withAttachment, withFile, type AttachmentRecord } from './attachmentRecord.js';
import { saveMessage } from './conversations.js';

/** Checked ciphertext is written in pieces of this size, not one write per network read. */
const APPEND_BYTES = 1024 * 1024;

/**
 * Fetches a received file (ChatEngine.downloadAttachment) and checks it as it arrives
 * (PROTOCOL.md §1.16.4). The ciphertext is appended to a local file, each byte only after the
 * decryptor took it; only once the end checks pass (final chunk, length, hash) does the message
 * name the file. A run cut off (the connection dropped, the page closed) leaves what it wrote,
 * and the next run checks those bytes again and asks the relay for the rest with a Range. A
 * damaged file, or a download the person stopped, leaves nothing.
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
  const name = await partialFileOf(ctx, messageId);
  const { decryptor, held } = await checkHeldBytes(ctx, attachment, name, length);
  const { blobId } = attachment;
  async function* checked(): AsyncIterable<Uint8Array> {
    let done = held;
    if (held === length) return;
    for await (const piece of downloadBlob(ctx.fetch, blobId, {
      length,
      from: held,
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
  }
  try {
    await ctx.files.append(name, batchPieces(checked(), APPEND_BYTES));
    decryptor.finish();
  } catch (error) {
    const failure = downloadError(error, options.signal?.aborted === true);
    // A blob the relay no longer has (NOT_FOUND) will never be completed either.
    const resumable = failure instanceof ApiRequestError && failure.code !== 'NOT_FOUND';
    if (!resumable) await forgetPartialFile(ctx, messageId, name);
    throw failure;
  }
  return ctx.serial(async () => {
    const found = withFile(await ctx.repo.loadMessage(messageId));
    if (found === null) {
      // Deleted meanwhile (its time was up): nothing to keep.
      await ctx.files.delete(name);
      throw new ChatError('UNKNOWN_MESSAGE');
    }
    const next = withAttachment(found, { localFile: name, partialFile: null, failure: null });
    await saveMessage(ctx, next);
    return next;
  });
}

/** The local file this message's download appends to: an earlier run's, or a new one. */
async function partialFileOf(ctx: ChatContext, messageId: string): Promise<string> {
  return ctx.serial(async () => {
    const found = withFile(await ctx.repo.loadMessage(messageId));
    if (found === null) throw new ChatError('UNKNOWN_MESSAGE');
    const earlier = found.attachment.partialFile ?? null;
    if (earlier !== null) return earlier;
    const name = newLocalFileName(ctx.sodium);
    // Named in the record before any byte is written, so a reload finds the bytes again.
    await saveMessage(ctx, withAttachment(found, { partialFile: name }));
    return name;
  });
}

/**
 * Runs the bytes an earlier run kept through a new decryptor: the local copy is checked again,
 * since the disk may have lost or changed some. Bytes that fail, or more than the blob holds,
 * are dropped and the download starts over.
 */
async function checkHeldBytes(
  ctx: ChatContext,
  attachment: AttachmentRecord,
  name: string,
  length: number,
): Promise<{ decryptor: AttachmentDecryptor; held: number }> {
  const held = (await ctx.files.size(name)) ?? 0;
  if (held > 0 && held <= length) {
    const decryptor = createAttachmentDecryptor(ctx.sodium, attachment);
    try {
      for await (const piece of readLocalFile(ctx.files, name)) decryptor.push(piece);
      return { decryptor, held };
    } catch (error) {
      if (!isCryptoError(error)) throw error;
    }
  }
  if (held > 0) await ctx.files.delete(name);
  return { decryptor: createAttachmentDecryptor(ctx.sodium, attachment), held: 0 };
}

/** A damaged or stopped download: its bytes go, and the record names no partial file. */
async function forgetPartialFile(ctx: ChatContext, messageId: string, name: string) {
  await ctx.files.delete(name);
  await ctx.serial(async () => {
    const found = withFile(await ctx.repo.loadMessage(messageId));
    if (found !== null && found.attachment.partialFile === name) {
      await saveMessage(ctx, withAttachment(found, { partialFile: null }));
    }
  });
}

/**
 * A failure that waiting cannot fix comes back as a ChatError; the relay's and the network's
 * errors as they are (the partial file stays for the next run, but for NOT_FOUND).
 */
function downloadError(error: unknown, cancelled: boolean): Error {
  if (cancelled) return new ChatError('CANCELLED');
  if (isCryptoError(error)) return new ChatError('FILE_DAMAGED', `file damaged: ${error.code}`);
  if (error instanceof ApiRequestError) return error;
  // fetch reports a body cut off as a TypeError: the bytes so far stay for the next run.
  if (error instanceof TypeError)
    return new ApiRequestError('NETWORK', 'The download was cut off', 0);
  return new ChatError('TRANSFER_FAILED');
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
  const partial = attachment.partialFile ?? null;
  if (partial !== null) await ctx.files.delete(partial);
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
