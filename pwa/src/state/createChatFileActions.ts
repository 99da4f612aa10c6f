import type { MessageRecord } from '../core/chat/chatRecords.js';
import type { ChatEngine } from '../core/chat/createChatEngine.js';
import type { Chat, ChatServices } from './createChat.js';

/** What the chat does with files: send, fetch, open or save through the browser, give up. */
export type ChatFileActions = Pick<
  Chat,
  'sendFile' | 'cancelUpload' | 'downloadAttachment' | 'openAttachment' | 'removeFailed'
>;

/**
 * The chat's file actions on the open engine (`requireEngine` throws while none is): a video gets
 * its poster from the browser's player before sending, and a kept file reaches the browser as a
 * stream at a URL (ChatServices.serveFile), never whole.
 */
export function createChatFileActions(
  requireEngine: () => ChatEngine,
  findMessage: (id: string) => MessageRecord | undefined,
  services: Pick<ChatServices, 'serveFile' | 'describeVideo'>,
): ChatFileActions {
  return {
    async sendFile(conversation, file, caption = '') {
      const poster = file.type.startsWith('video/')
        ? await services.describeVideo?.(file)
        : undefined;
      const sent = await requireEngine().sendFile(
        conversation,
        {
          name: file.name,
          type: file.type,
          size: file.size,
          read: async (offset, length) =>
            new Uint8Array(await file.slice(offset, offset + length).arrayBuffer()),
          ...(poster === undefined || poster === null ? {} : { poster }),
        },
        caption,
      );
      return sent.metadataRemoved;
    },
    cancelUpload: (message) => requireEngine().cancelUpload(message),
    async downloadAttachment(message, signal) {
      await requireEngine().downloadAttachment(message, signal === undefined ? {} : { signal });
    },
    async openAttachment(message, disposition) {
      const opened = await requireEngine().openAttachment(message);
      const attachment = findMessage(message)?.attachment;
      return services.serveFile({
        name: attachment?.fileName ?? '',
        mimeType: attachment?.mimeType ?? 'application/octet-stream',
        size: opened.size,
        disposition,
        read: (from) => opened.read(from),
      });
    },
    removeFailed: (message) => requireEngine().removeFailed(message),
  };
}
