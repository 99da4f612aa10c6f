import { attachmentCiphertextLength } from '@vaultroom/shared/crypto';
import { ApiRequestError } from '../relay/ApiRequestError.js';
import { createAttachmentSource, type PlaintextFile } from '../files/createAttachmentSource.js';
import { readLocalFile } from '../files/LocalFiles.js';
import { stripImageMetadata } from '../files/stripImageMetadata.js';
import { uploadBlob } from '../files/uploadBlob.js';
import { background, connected, emit, type ChatContext } from './ChatContext.js';
import type { OutgoingFile, PictureDescription, SentFile } from './ChatEngine.js';
import { ChatError } from './ChatError.js';
import { isVideo, withAttachment, withFile, type AttachmentRecord } from './attachmentRecord.js';
import { cleanFileName, cleanMimeType, newLocalFileName } from './attachmentNames.js';
import { saveMessage } from './conversations.js';
import { dispatch, writeMessage } from './sendPipeline.js';

/** The abort reason of transfers stopped with the engine, rather than by the person. */
export const STOPPED = 'STOPPED';

/** Pictures larger than this are sent as they are, without a preview or metadata removal. */
const MAX_PICTURE_BYTES = 64 * 1024 * 1024;

const bytesFile = (bytes: Uint8Array): PlaintextFile => ({
  size: bytes.length,
  read: (offset, length) => Promise.resolve(bytes.subarray(offset, offset + length)),
});

/**
 * A photo loses its location and camera metadata (issue #19, as Signal does) and gains a preview;
 * any other file goes as it is. The stripping is byte-level: the pixels are not re-encoded.
 */
async function preparePicture(
  ctx: ChatContext,
  file: OutgoingFile,
  mimeType: string,
): Promise<{ file: PlaintextFile; picture: PictureDescription | null; removed: boolean }> {
  if (file.poster !== undefined && isVideo({ mimeType })) {
    return { file, picture: file.poster, removed: false };
  }
  if (file.size > MAX_PICTURE_BYTES || !mimeType.startsWith('image/')) {
    return { file, picture: null, removed: false };
  }
  const stripped = stripImageMetadata(await file.read(0, file.size));
  if (stripped.format === null) return { file, picture: null, removed: false };
  const picture =
    ctx.describePicture === null ? null : await ctx.describePicture(stripped.bytes, mimeType);
  return { file: bytesFile(stripped.bytes), picture, removed: stripped.removed.length > 0 };
}

/**
 * Sends a file (ChatEngine.sendFile): prepared and encrypted outside the serial queue (a large
 * file takes a while), its ciphertext kept here, then written as a message at `needs-upload`
 * and its upload started if the relay is there.
 */
export async function sendFile(
  ctx: ChatContext,
  conversation: string,
  chosen: OutgoingFile,
  caption: string,
): Promise<SentFile> {
  const mimeType = cleanMimeType(chosen.type);
  const { file, picture, removed } = await preparePicture(ctx, chosen, mimeType);
  const source = createAttachmentSource(ctx.sodium, file);
  const localFile = newLocalFileName(ctx.sodium);
  await ctx.files.write(localFile, source.source(0));
  const encrypted = source.result();
  if (encrypted === null) throw new ChatError('TRANSFER_FAILED');
  const attachment: AttachmentRecord = {
    blobId: '',
    key: encrypted.key,
    hash: encrypted.hash,
    size: file.size,
    fileName: cleanFileName(chosen.name),
    mimeType,
    width: picture?.width ?? 0,
    height: picture?.height ?? 0,
    thumbnail: picture?.thumbnail ?? new Uint8Array(0),
    localFile,
    uploadLocation: null,
    failure: null,
  };
  try {
    const { message } = await ctx.serial(() =>
      writeMessage(ctx, conversation, caption, null, attachment),
    );
    startUpload(ctx, message.id);
    return { message, metadataRemoved: removed };
  } catch (error) {
    await ctx.files.delete(localFile);
    throw error;
  }
}

/** Starts every upload still waiting (on a new connection, after a reload). */
export async function resumeUploads(ctx: ChatContext): Promise<void> {
  retries.get(ctx)?.clear();
  for (const pending of await ctx.repo.listPendingSends()) {
    if (pending.stage === 'needs-upload') startUpload(ctx, pending.id);
  }
}

/**
 * Uploads a message's blob beside the serial queue, once at a time per message, tracked in
 * `ctx.transfers` so `whenIdle` waits for it. Offline it waits for the next connection.
 */
export function startUpload(ctx: ChatContext, messageId: string): void {
  if (ctx.transfers.has(messageId) || !connected(ctx)) return;
  const abort = new AbortController();
  let again = false;
  const done = runUpload(ctx, messageId, abort.signal)
    .then((retry) => {
      again = retry;
    })
    .finally(() => {
      ctx.transfers.delete(messageId);
      if (again) retryLater(ctx, messageId);
    });
  ctx.transfers.set(messageId, { abort, done });
}

/** Runs one upload; true when it failed in a way a later run may fix. */
async function runUpload(
  ctx: ChatContext,
  messageId: string,
  signal: AbortSignal,
): Promise<boolean> {
  const found = withFile(await ctx.serial(() => ctx.repo.loadMessage(messageId)));
  const localFile = found?.attachment.localFile ?? null;
  if (found?.message.state !== 'queued' || localFile === null) {
    // Deleted (its time was up) or settled meanwhile: nothing left to upload.
    await ctx.serial(() => ctx.repo.deletePendingSend(messageId));
    return false;
  }
  const { attachment } = found;
  const length = attachmentCiphertextLength(attachment.size);
  const update = (change: Partial<AttachmentRecord>) =>
    ctx.serial(async () => {
      const current = withFile(await ctx.repo.loadMessage(messageId));
      if (current !== null) await saveMessage(ctx, withAttachment(current, change));
    });
  try {
    const blobId = await uploadBlob(
      { fetch: ctx.fetch, sleep: ctx.sleep },
      {
        length,
        source: (offset) => readLocalFile(ctx.files, localFile, offset),
        ...(attachment.uploadLocation === null ? {} : { location: attachment.uploadLocation }),
        onCreated: (location) => {
          background(ctx, 'keep upload location', () => update({ uploadLocation: location }));
        },
        onProgress: (offset) => {
          emit(ctx, {
            kind: 'transfer',
            message: messageId,
            direction: 'upload',
            done: offset,
            total: length,
          });
        },
        signal,
      },
    );
    await ctx.serial(async () => {
      const current = withFile(await ctx.repo.loadMessage(messageId));
      const pending = await ctx.repo.loadPendingSend(messageId);
      if (current === null || pending?.stage !== 'needs-upload') return;
      await saveMessage(
        ctx,
        withAttachment(current, { blobId, uploadLocation: null, failure: null }),
      );
      const next = { ...pending, stage: 'needs-keys' as const };
      await ctx.repo.savePendingSend(next);
      await dispatch(ctx, next);
    });
    return false;
  } catch (error) {
    // The engine stopping (sign-out, page closing) is no failure: the upload resumes later.
    if (signal.reason === STOPPED) return false;
    return settleFailedUpload(ctx, messageId, error, signal.aborted);
  }
}

/**
 * A transient failure (no network, a full relay) leaves the upload waiting for the next
 * connection, its location kept; a refusal for good (too large, over quota, cancelled) fails
 * the message, which the person may retry.
 */
async function settleFailedUpload(
  ctx: ChatContext,
  messageId: string,
  error: unknown,
  cancelled: boolean,
): Promise<boolean> {
  const code = cancelled
    ? 'CANCELLED'
    : error instanceof ApiRequestError
      ? error.code
      : 'TRANSFER_FAILED';
  const waits =
    !cancelled && (code === 'NETWORK' || code === 'STORAGE_FULL' || code === 'UNAVAILABLE');
  await ctx.serial(async () => {
    const current = withFile(await ctx.repo.loadMessage(messageId));
    const pending = await ctx.repo.loadPendingSend(messageId);
    // Only an upload still under way can fail; a file already sent stays sent.
    if (current === null || pending?.stage !== 'needs-upload') return;
    const expired = code === 'NOT_FOUND';
    const changed = withAttachment(current, {
      failure: code,
      uploadLocation: expired ? null : current.attachment.uploadLocation,
    });
    if (waits) {
      await saveMessage(ctx, changed);
      return;
    }
    await saveMessage(ctx, { ...changed, state: 'failed', failure: code });
    await ctx.repo.deletePendingSend(messageId);
  });
  return waits;
}

/** Waits between runs of an upload that failed while the socket stayed up: 30 s, doubling. */
const RETRY_MS = 30_000;
/** Runs per connection: past them the upload waits for the next connection. */
const MAX_RETRIES = 5;
const retries = new WeakMap<ChatContext, Map<string, number>>();

/**
 * A full relay disk (STORAGE_FULL) or an HTTP path that failed while the socket stayed up
 * brings no new connection to resume the upload: it is tried again later, a few times.
 */
function retryLater(ctx: ChatContext, messageId: string): void {
  const counts = retries.get(ctx) ?? new Map<string, number>();
  retries.set(ctx, counts);
  const done = counts.get(messageId) ?? 0;
  if (done >= MAX_RETRIES) return;
  counts.set(messageId, done + 1);
  background(ctx, 'retry upload', async () => {
    await ctx.sleep(RETRY_MS * 2 ** done);
    startUpload(ctx, messageId);
  });
}

/** Stops a running upload; the message fails as CANCELLED. */
export async function cancelUpload(ctx: ChatContext, messageId: string): Promise<void> {
  const transfer = ctx.transfers.get(messageId);
  if (transfer !== undefined) {
    transfer.abort.abort('CANCELLED');
    await transfer.done;
    return;
  }
  // Not running (offline, waiting): cancelled all the same.
  await settleFailedUpload(ctx, messageId, null, true);
}

/**
 * Sends a failed file again under a new id: the ciphertext kept here moves to the new message
 * (same key, same bytes), and its upload starts afresh.
 */
export async function retryFile(ctx: ChatContext, messageId: string) {
  const message = await ctx.serial(async () => {
    const failed = withFile(await ctx.repo.loadMessage(messageId));
    if (failed?.message.state !== 'failed' || failed.attachment.localFile === null) {
      throw new ChatError('UNKNOWN_MESSAGE');
    }
    const fresh = { ...failed.attachment, blobId: '', uploadLocation: null, failure: null };
    await saveMessage(ctx, {
      ...withAttachment(failed, { localFile: null }),
      failure: 'RETRIED',
    });
    const { conversation, text } = failed.message;
    return (await writeMessage(ctx, conversation, text, null, fresh)).message;
  });
  startUpload(ctx, message.id);
  return message;
}
