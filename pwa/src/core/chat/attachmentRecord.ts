import { encodeHex } from '@vaultroom/shared';
import type { AttachmentPointer, SentMessage } from '@vaultroom/shared/crypto';
import type { MessageRecord } from './chatRecords.js';

/**
 * A message's file (PROTOCOL.md §1.16.3) as this device keeps it: the pointer's fields (its
 * caption is the message's text) and where the bytes are here.
 */
export interface AttachmentRecord extends Omit<AttachmentPointer, 'caption'> {
  // The pointer's blob id is empty on the sending device until the upload has finished.
  /** The checked ciphertext on this device (a LocalFiles name), or null: not downloaded. */
  readonly localFile: string | null;
  /**
   * Receiving, a download under way or interrupted: the LocalFiles name of the ciphertext held
   * so far, every byte of it checked, so the next run asks the relay only for the rest.
   * Absent in records kept before downloads resumed.
   */
  readonly partialFile?: string | null;
  /** Sending, before the upload finished: its tus location, to resume after a reload. */
  readonly uploadLocation: string | null;
  /** Why the last upload or download stopped (an error code), or null. */
  readonly failure: string | null;
}

/** The fields that describe the file itself: not its caption, not where its bytes are here. */
function fileFields(from: Omit<AttachmentPointer, 'caption'>): Omit<AttachmentPointer, 'caption'> {
  const { blobId, key, hash, size, fileName, mimeType, width, height, thumbnail } = from;
  return { blobId, key, hash, size, fileName, mimeType, width, height, thumbnail };
}

export function pointerOf(attachment: AttachmentRecord, caption: string): AttachmentPointer {
  return { ...fileFields(attachment), caption };
}

/** A received pointer, not downloaded yet. Its caption is the message's text. */
export function recordOfPointer(pointer: AttachmentPointer): AttachmentRecord {
  return { ...fileFields(pointer), localFile: null, uploadLocation: null, failure: null };
}

/** Whether the interface may show the thumbnail inline and open the file in its viewer. */
export function isPicture(attachment: Pick<AttachmentRecord, 'mimeType'>): boolean {
  return /^image\/(jpeg|png|webp|gif|avif)$/.test(attachment.mimeType);
}

export function isVideo(attachment: Pick<AttachmentRecord, 'mimeType'>): boolean {
  return /^video\/(mp4|webm|ogg|quicktime)$/.test(attachment.mimeType);
}

/** What a sent message puts in its record: text (a file's caption), quote and file. */
export function bodyOfSent(sent: SentMessage): {
  readonly text: string;
  readonly replyTo: string | null;
  readonly attachment: AttachmentRecord | null;
} {
  switch (sent.type) {
    case 'text':
      return { text: sent.text, replyTo: null, attachment: null };
    case 'reply':
      return { text: sent.text, replyTo: encodeHex(sent.replyTo), attachment: null };
    case 'attachment':
      return {
        text: sent.pointer.caption,
        replyTo: null,
        attachment: recordOfPointer(sent.pointer),
      };
  }
}

/** The conversation list's preview of a message: its text, or a file's name. */
export function previewOf(text: string, attachment: AttachmentRecord | null): string {
  return text === '' && attachment !== null ? attachment.fileName : text;
}

/** A message with its file, or null for one without (or none at all). */
export function withFile(
  message: MessageRecord | undefined,
): { readonly message: MessageRecord; readonly attachment: AttachmentRecord } | null {
  if (message?.attachment === undefined || message.attachment === null) return null;
  return { message, attachment: message.attachment };
}

/** The message with its file's fields changed. */
export function withAttachment(
  found: { readonly message: MessageRecord; readonly attachment: AttachmentRecord },
  change: Partial<AttachmentRecord>,
): MessageRecord {
  return { ...found.message, attachment: { ...found.attachment, ...change } };
}
