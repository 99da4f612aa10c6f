import { encodeHex } from '@vaultroom/shared';
import type { Content, SentMessage, TranscriptDestination } from '@vaultroom/shared/crypto';
import { stamp, type ChatContext } from './ChatContext.js';
import {
  groupConversationId,
  handleKey,
  isMember,
  laterState,
  otherMembers,
  sortKeyOf,
  type ContactRecord,
  type ConversationRecord,
  type MessageRecord,
  type MessageState,
} from './chatRecords.js';
import { emptyContact, saveContact } from './contactDirectory.js';
import {
  addMessage,
  isUnread,
  newConversation,
  readNow,
  saveConversation,
  saveMessage,
  saveNotice,
  withReaction,
} from './conversations.js';
import { bodyOfSent, previewOf } from './attachmentRecord.js';
import { createMessageRecord } from './createMessageRecord.js';

/**
 * What a received content does to the records here, once the receive pipeline has decrypted it
 * and found where it belongs: timers, reactions, receipts, read marks and copies of what this
 * account's other devices sent. Group changes are `groups.ts`'s.
 */

/** A timer set by `author` (this account's handle when set on another of its devices). */
export async function applyTimer(
  ctx: ChatContext,
  conversation: ConversationRecord,
  author: string,
  seconds: number,
): Promise<void> {
  if (conversation.timerSeconds === seconds) return;
  await saveConversation(ctx, { ...conversation, timerSeconds: seconds });
  await saveNotice(ctx, conversation.id, author, handleKey(author) === ctx.me, {
    kind: 'timer',
    seconds,
  });
}

/** A reaction by `author`, only on a message of this conversation (never on a notice). */
export async function applyReaction(
  ctx: ChatContext,
  conversation: ConversationRecord,
  author: string,
  reaction: Extract<Content, { type: 'reaction' }>,
): Promise<void> {
  const message = await ctx.repo.loadMessage(encodeHex(reaction.messageId));
  if (message?.conversation !== conversation.id || message.notice !== null) return;
  await saveMessage(ctx, {
    ...message,
    reactions: withReaction(message.reactions, author, reaction.emoji),
  });
}

/** A receipt from `contact`: their messages move forward, a group's once every member says so. */
export async function applyReceipt(
  ctx: ChatContext,
  contact: ContactRecord,
  content: Extract<Content, { type: 'receipt' }>,
): Promise<void> {
  const next: MessageState = content.kind === 'read' ? 'read' : 'delivered';
  for (const messageId of content.messageIds) {
    const message = await ctx.repo.loadMessage(encodeHex(messageId));
    if (!message?.outgoing) continue;
    if (message.conversation === contact.id) {
      const state = laterState(message.state, next);
      if (state !== message.state) await saveMessage(ctx, { ...message, state });
    } else {
      await applyGroupReceipt(ctx, message, contact, next);
    }
  }
}

/** A member's receipt for a group message: delivered or read once every member says so. */
async function applyGroupReceipt(
  ctx: ChatContext,
  message: MessageRecord,
  contact: ContactRecord,
  next: 'delivered' | 'read',
): Promise<void> {
  const group = (await ctx.repo.loadConversation(message.conversation))?.group ?? null;
  if (group === null || !isMember(group, contact.id)) return;
  const previous = message.receipts[contact.id];
  const mine: 'delivered' | 'read' = previous === 'read' || next === 'read' ? 'read' : 'delivered';
  if (previous === mine) return;
  const receipts: Record<string, 'delivered' | 'read'> = {
    ...message.receipts,
    [contact.id]: mine,
  };
  const others = otherMembers(group, ctx.me).map(handleKey);
  const overall: MessageState = others.every((member) => receipts[member] === 'read')
    ? 'read'
    : others.every((member) => receipts[member] !== undefined)
      ? 'delivered'
      : 'sent';
  await saveMessage(ctx, { ...message, receipts, state: laterState(message.state, overall) });
}

/** Messages the person read on another device: read here too, unread counts follow. */
export async function applyReadElsewhere(
  ctx: ChatContext,
  messageIds: readonly Uint8Array[],
): Promise<void> {
  const touched = new Set<string>();
  for (const messageId of messageIds) {
    const message = await ctx.repo.loadMessage(encodeHex(messageId));
    if (message === undefined || message.outgoing || message.state !== 'delivered') continue;
    await saveMessage(ctx, readNow(ctx, message));
    touched.add(message.conversation);
  }
  for (const id of touched) {
    const conversation = await ctx.repo.loadConversation(id);
    if (conversation === undefined) continue;
    const unread = (await ctx.repo.listMessages(id)).filter(isUnread).length;
    if (unread !== conversation.unread) await saveConversation(ctx, { ...conversation, unread });
  }
}

/**
 * Applies what another of this account's devices sent: a message filed in its conversation, or
 * a timer or reaction the person set there.
 */
export async function applyTranscript(
  ctx: ChatContext,
  content: Extract<Content, { type: 'transcript' }>,
): Promise<void> {
  const { destination, message: copied } = content;
  // Only a message may start a conversation here; a timer or reaction needs one already.
  const opens = copied.type === 'text' || copied.type === 'reply' || copied.type === 'attachment';
  const conversation = await transcriptConversation(ctx, destination, copied.groupId, opens);
  if (conversation === null) return;
  switch (copied.type) {
    case 'text':
    case 'reply':
    case 'attachment':
      await fileOwnMessage(ctx, conversation, copied);
      return;
    case 'timer':
      await applyTimer(ctx, conversation, ctx.handle, copied.seconds);
      return;
    case 'reaction':
      await applyReaction(ctx, conversation, ctx.handle, copied);
      return;
  }
}

/**
 * The conversation a transcript names, if its content belongs there: a group this device is in
 * (with the same group id inside), or a person other than oneself (with no group id inside).
 */
async function transcriptConversation(
  ctx: ChatContext,
  destination: TranscriptDestination,
  groupId: Uint8Array | null,
  create: boolean,
): Promise<ConversationRecord | null> {
  if (destination.kind === 'group') {
    const id = encodeHex(destination.groupId);
    const found = await ctx.repo.loadConversation(groupConversationId(id));
    const group = found?.group ?? null;
    if (found === undefined || group === null || group.left) return null;
    if (groupId === null || encodeHex(groupId) !== id) return null;
    return found;
  }
  const contactId = handleKey(destination.handle);
  if (contactId === ctx.me || groupId !== null) return null;
  const found = await ctx.repo.loadConversation(contactId);
  if (found !== undefined) return found;
  if (!create) return null;
  let contact = await ctx.repo.loadContact(contactId);
  if (contact === undefined) {
    contact = emptyContact(destination.handle);
    await saveContact(ctx, contact);
  }
  return newConversation(ctx, contact);
}

/** Files a message sent from another of this account's devices. */
async function fileOwnMessage(
  ctx: ChatContext,
  conversation: ConversationRecord,
  sent: SentMessage,
): Promise<void> {
  const id = encodeHex(sent.messageId);
  if ((await ctx.repo.loadMessage(id)) !== undefined) return;
  const timer = conversation.timerSeconds;
  const body = bodyOfSent(sent);
  await addMessage(
    ctx,
    createMessageRecord({
      id,
      conversation: conversation.id,
      sortKey: sortKeyOf(stamp(ctx), id),
      outgoing: true,
      author: ctx.handle,
      text: body.text,
      sentAt: sent.sentAt,
      // Receipts reach every device of the sender: they move it on from here.
      state: 'sent',
      expiresAt: timer > 0 ? sent.sentAt + timer * 1000 : null,
      timerSeconds: timer,
      replyTo: body.replyTo,
      attachment: body.attachment,
    }),
  );
  await saveConversation(ctx, {
    ...conversation,
    lastText: previewOf(body.text, body.attachment),
    lastOutgoing: true,
    lastAuthor: ctx.handle,
    lastAt: ctx.now(),
  });
}
