import { normalizeHandle, decodeHex } from '@vaultroom/shared';
import { commit, connected, emit, type ChatContext } from './ChatContext.js';
import { forgetAttachment } from './attachmentDownload.js';
import { ChatError } from './ChatError.js';
import {
  handleKey,
  otherMembers,
  type ConversationRecord,
  type MessageRecord,
} from './chatRecords.js';
import { findPerson, ownOtherDevices, sendingPaused } from './contactDirectory.js';
import {
  groupIdOf,
  newConversation,
  readNow,
  requireConversation,
  saveConversation,
  saveMessage,
  saveNotice,
  withReaction,
} from './conversations.js';
import { sendControl, sendReceipts, sendToConversation } from './sendPipeline.js';

/**
 * What the person does in a conversation besides writing: open one, set its timer, react, read,
 * type, keep a draft, and the sweep of disappearing messages. Each runs in the serial queue.
 */

/** Finds the person at the relay (needs a connection) and opens a conversation with them. */
export async function startConversation(
  ctx: ChatContext,
  handle: string,
): Promise<ConversationRecord> {
  const id = normalizeHandle(handle);
  if (id === ctx.me) throw new ChatError('SELF');
  const existing = await ctx.repo.loadConversation(id);
  if (existing !== undefined) return existing;
  const conversation = newConversation(ctx, await findPerson(ctx, handle));
  await saveConversation(ctx, conversation);
  return conversation;
}

export async function setTimer(
  ctx: ChatContext,
  conversationId: string,
  seconds: number,
): Promise<void> {
  const conversation = await requireConversation(ctx, conversationId);
  if (conversation.timerSeconds === seconds) return;
  if (conversation.group?.left === true) throw new ChatError('NOT_A_MEMBER');
  await saveConversation(ctx, { ...conversation, timerSeconds: seconds });
  await saveNotice(ctx, conversationId, ctx.handle, true, { kind: 'timer', seconds });
  await sendToConversation(ctx, conversation, {
    type: 'timer',
    seconds,
    groupId: groupIdOf(conversation),
  });
}

export async function react(ctx: ChatContext, messageId: string, emoji: string): Promise<void> {
  const message = await ctx.repo.loadMessage(messageId);
  if (message?.notice !== null) throw new ChatError('UNKNOWN_MESSAGE');
  const conversation = await requireConversation(ctx, message.conversation);
  if (conversation.group?.left === true) throw new ChatError('NOT_A_MEMBER');
  await saveMessage(ctx, {
    ...message,
    reactions: withReaction(message.reactions, ctx.handle, emoji),
  });
  await sendToConversation(ctx, conversation, {
    type: 'reaction',
    messageId: decodeHex(messageId),
    emoji,
    groupId: groupIdOf(conversation),
  });
}

/** Deletes the disappearing messages whose time is up. */
export async function sweepExpired(ctx: ChatContext): Promise<void> {
  const at = ctx.now();
  const gone: MessageRecord[] = [];
  for (const conversation of await ctx.repo.listConversations()) {
    for (const message of await ctx.repo.listMessages(conversation.id)) {
      if (message.expiresAt !== null && message.expiresAt <= at) {
        await ctx.repo.deleteMessage(message);
        emit(ctx, { kind: 'message-deleted', conversation: conversation.id, id: message.id });
        gone.push(message);
      }
    }
  }
  // Their files go once the records are gone for good: a crash between the two leaves a
  // stray ciphertext file, never a message naming a file that is not there.
  await commit(ctx);
  for (const message of gone) await forgetAttachment(ctx, message);
}

/**
 * Removes one's own failed message from this device (the person chose Remove rather than Retry):
 * its record, then its kept ciphertext and any upload it left half done at the relay, which
 * frees the account's quota there.
 */
export async function removeFailed(ctx: ChatContext, messageId: string): Promise<void> {
  const message = await ctx.repo.loadMessage(messageId);
  if (message === undefined || !message.outgoing || message.state !== 'failed') {
    throw new ChatError('UNKNOWN_MESSAGE');
  }
  await ctx.repo.deleteMessage(message);
  emit(ctx, { kind: 'message-deleted', conversation: message.conversation, id: message.id });
  await commit(ctx);
  await forgetAttachment(ctx, message);
}

export async function saveDraft(
  ctx: ChatContext,
  conversationId: string,
  draft: string,
): Promise<void> {
  const conversation = await ctx.repo.loadConversation(conversationId);
  if (conversation === undefined || conversation.draft === draft) return;
  await saveConversation(ctx, { ...conversation, draft });
}

/** The person has seen the conversation: reset unread and tell the sender's devices. */
export async function markRead(ctx: ChatContext, conversationId: string): Promise<void> {
  const conversation = await ctx.repo.loadConversation(conversationId);
  if (conversation === undefined) return;
  const unread = (await ctx.repo.listMessages(conversationId)).filter(
    (message) => !message.outgoing && message.state === 'delivered',
  );
  if (conversation.unread !== 0) await saveConversation(ctx, { ...conversation, unread: 0 });
  const byAuthor = new Map<string, Uint8Array[]>();
  const read: Uint8Array[] = [];
  for (const message of unread) {
    await saveMessage(ctx, readNow(ctx, message));
    if (message.fromDevice === null) continue; // a notice: nobody to tell
    const id = decodeHex(message.id);
    read.push(id);
    const author = handleKey(message.author);
    byAuthor.set(author, [...(byAuthor.get(author) ?? []), id]);
  }
  if (ctx.transport === null || read.length === 0) return;
  // Every device of each author, so their other devices' copies show it read too.
  for (const [author, ids] of byAuthor) {
    const contact = await ctx.repo.loadContact(author);
    if (contact !== undefined) {
      await sendReceipts(ctx, Object.keys(contact.devices), 'read', ids);
    }
  }
  // And this account's other devices, which then show these messages read as well.
  await sendReceipts(ctx, Object.keys(await ownOtherDevices(ctx)), 'read', read);
}

export async function sendTyping(
  ctx: ChatContext,
  conversationId: string,
  typing: boolean,
): Promise<void> {
  // A typing notice is worth nothing later: never queued while offline.
  if (!connected(ctx)) return;
  const conversation = await ctx.repo.loadConversation(conversationId);
  if (conversation === undefined || conversation.group?.left === true) return;
  const members =
    conversation.group === null
      ? [conversationId]
      : otherMembers(conversation.group, ctx.me).map(handleKey);
  const devices: string[] = [];
  for (const member of members) {
    const contact = await ctx.repo.loadContact(member);
    if (contact === undefined || sendingPaused(contact)) continue;
    devices.push(...Object.keys(contact.devices));
  }
  await sendControl(ctx, devices, {
    type: 'typing',
    state: typing ? 'started' : 'stopped',
    groupId: groupIdOf(conversation),
  });
}
