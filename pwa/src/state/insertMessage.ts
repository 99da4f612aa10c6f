import type { MessageRecord } from '../core/chat/chatRecords.js';

/**
 * Puts a message into a conversation's list in sort-key order, or in place of the one with its
 * id (a receipt or an edit of state).
 */
export function insertMessage(list: MessageRecord[], message: MessageRecord): void {
  const at = list.findIndex((existing) => existing.id === message.id);
  if (at >= 0) {
    list[at] = message;
    return;
  }
  let index = list.length;
  while (index > 0 && (list[index - 1]?.sortKey ?? '') > message.sortKey) index -= 1;
  list.splice(index, 0, message);
}
