import { encodeHex, decodeHex } from '@vaultroom/shared';
import { emit, stamp, type ChatContext } from './ChatContext.js';
import { ChatError } from './ChatError.js';
import {
  sortKeyOf,
  type ContactRecord,
  type ConversationNoticeRecord,
  type ConversationRecord,
  type MessageRecord,
} from './chatRecords.js';
import { createMessageRecord } from './createMessageRecord.js';

const MESSAGE_ID_BYTES = 16;

/** A fresh 16-byte message id. */
export const newMessageId = (ctx: ChatContext): Uint8Array =>
  ctx.sodium.randombytes_buf(MESSAGE_ID_BYTES);

/** Persist first, then tell listeners (Hydrogen's rule): what the interface shows is stored. */
export async function saveConversation(
  ctx: ChatContext,
  conversation: ConversationRecord,
): Promise<void> {
  await ctx.repo.saveConversation(conversation);
  emit(ctx, { kind: 'conversation', conversation });
}

/** A message already stored, changed. */
export async function saveMessage(ctx: ChatContext, message: MessageRecord): Promise<void> {
  await ctx.repo.saveMessage(message);
  emit(ctx, { kind: 'message', message });
}

/** A new message (from `createMessageRecord`). */
export async function addMessage(ctx: ChatContext, message: MessageRecord): Promise<void> {
  await ctx.repo.addMessage(message);
  emit(ctx, { kind: 'message', message });
}

export async function requireConversation(
  ctx: ChatContext,
  id: string,
): Promise<ConversationRecord> {
  const conversation = await ctx.repo.loadConversation(id);
  if (conversation === undefined) throw new ChatError('UNKNOWN_CONVERSATION');
  return conversation;
}

/** A conversation with one person, empty. */
export const newConversation = (ctx: ChatContext, contact: ContactRecord): ConversationRecord => ({
  id: contact.id,
  peer: contact.handle,
  lastText: null,
  lastOutgoing: false,
  lastAuthor: null,
  lastAt: ctx.now(),
  unread: 0,
  draft: '',
  createdAt: ctx.now(),
  timerSeconds: 0,
  group: null,
});

export const groupIdOf = (conversation: ConversationRecord): Uint8Array | null =>
  conversation.group === null ? null : decodeHex(conversation.group.groupId);

/** A line in the conversation saying who changed what (a timer, a group). */
export async function saveNotice(
  ctx: ChatContext,
  conversationId: string,
  author: string,
  outgoing: boolean,
  notice: ConversationNoticeRecord,
): Promise<void> {
  const id = encodeHex(newMessageId(ctx));
  await addMessage(
    ctx,
    createMessageRecord({
      id,
      conversation: conversationId,
      sortKey: sortKeyOf(stamp(ctx), id),
      outgoing,
      author,
      sentAt: ctx.now(),
      state: outgoing ? 'sent' : 'delivered',
      notice,
    }),
  );
}

export const isUnread = (message: MessageRecord): boolean =>
  !message.outgoing && message.notice === null && message.state === 'delivered';

/** A received message marked read, its disappearing timer started from now. */
export const readNow = (ctx: ChatContext, message: MessageRecord): MessageRecord => ({
  ...message,
  state: 'read',
  expiresAt: message.timerSeconds > 0 ? ctx.now() + message.timerSeconds * 1000 : message.expiresAt,
});

/** One reaction per person: a new one replaces theirs, an empty one removes it. */
export function withReaction(
  reactions: Readonly<Record<string, string>>,
  handle: string,
  emoji: string,
): Record<string, string> {
  const others = Object.entries(reactions).filter(([who]) => who !== handle);
  return Object.fromEntries(emoji === '' ? others : [...others, [handle, emoji]]);
}
