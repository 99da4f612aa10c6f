import { encodeHex } from '@vaultroom/shared';
import type { Envelope } from '@vaultroom/shared/client';
import {
  decodeContent,
  encodeContent,
  isCryptoError,
  peekMessageType,
  receiveMessage,
  type Content,
} from '@vaultroom/shared/crypto';
import { emit, requireIdentity, stamp, type ChatContext } from './ChatContext.js';
import {
  groupConversationId,
  isMember,
  sortKeyOf,
  type ContactRecord,
  type ConversationRecord,
} from './chatRecords.js';
import { ownerOf } from './contactDirectory.js';
import { emptyContact } from './contactStore.js';
import { receiveAccountKey } from './deviceLinking.js';
import { certifiedUnderOffer } from './heldContent.js';
import { certifiedSender } from './senderCheck.js';
import {
  applyReaction,
  applyReadElsewhere,
  applyReceipt,
  applyTimer,
  applyTranscript,
} from './contentApplication.js';
import { addMessage, newConversation, saveConversation } from './conversations.js';
import { bodyOfSent, previewOf } from './attachmentRecord.js';
import { createMessageRecord } from './createMessageRecord.js';
import { applyGroupState } from './groups.js';
import { sendControl } from './sendPipeline.js';
import { receiveCheckpoint, tellCheckpoint } from './checkpointGossip.js';

/** Contents held per contact until a key change is accepted: a bound on what a relay can park. */
const MAX_HELD = 500;

/**
 * The path of an incoming envelope: deduplicated by (device, message id), its sender's account
 * found, decrypted, marked seen and its content applied, all committed together before the
 * delivery client acks it. A forged or corrupted envelope is dropped with an issue and marked
 * seen too.
 */
export async function receive(ctx: ChatContext, envelope: Envelope): Promise<void> {
  const msg = encodeHex(envelope.msg);
  if (await ctx.repo.seen(envelope.from, msg)) return; // a redelivery after a lost ack
  const contactId = await ownerOf(ctx, envelope.from);
  if (contactId === null) {
    ctx.report({ kind: 'unknown-sender', fromDevice: envelope.from });
    await ctx.repo.markSeen(envelope.from, msg);
    return;
  }
  const firstMessage = isPrekeyMessage(envelope.body);
  if (firstMessage && !ctx.handshakes.allows(contactId, ctx.now())) {
    ctx.report({ kind: 'first-message-refused', fromDevice: envelope.from, account: contactId });
    await ctx.repo.markSeen(envelope.from, msg);
    return;
  }
  // A prekey message from an uncertified key replaces the session with that address: the one
  // before is put back if the content is refused.
  const sessionBefore = await ctx.repo.sessions.loadSession(envelope.from);
  let content: Content;
  let remoteKey: Uint8Array;
  try {
    const result = await receiveMessage(
      ctx.sodium,
      { sessions: ctx.repo.sessions, prekeys: ctx.repo.prekeys },
      requireIdentity(ctx),
      envelope.from,
      envelope.body,
    );
    remoteKey = result.remoteIdentityKey;
    content = decodeContent(result.content);
  } catch (error) {
    // A forged, replayed or corrupted envelope: nothing to show, nothing to keep. Acking it
    // stops the relay from delivering it again.
    if (!isCryptoError(error)) throw error;
    if (firstMessage) ctx.handshakes.spend(contactId, ctx.now());
    ctx.report({ kind: 'undecryptable', fromDevice: envelope.from, code: error.code });
    await ctx.repo.markSeen(envelope.from, msg);
    return;
  }
  // Marked before the content is applied, so that the mark is in the transaction that stores
  // what the content changed: a `delivered` receipt sent back commits it (the outbox's save).
  await ctx.repo.markSeen(envelope.from, msg);
  const known = (await ctx.repo.loadContact(contactId)) ?? emptyContact(contactId);
  if (contactId === ctx.me && content.type === 'accountKey') {
    // The one content a device waiting for approval takes before it can check anyone (§1.15.7).
    await receiveAccountKey(ctx, envelope.from, encodeHex(remoteKey), content.seed);
    return;
  }
  const key = encodeHex(remoteKey);
  const contact = await certifiedSender(ctx, known, envelope.from, key);
  if (contact !== null) {
    await applyCertified(ctx, contact, envelope.from, content);
    return;
  }
  const current = (await ctx.repo.loadContact(contactId)) ?? known;
  if (
    contactId !== ctx.me &&
    (await certifiedUnderOffer(ctx, current, envelope.from, key)) &&
    (await ctx.repo.listHeld(contactId)).length < MAX_HELD
  ) {
    // Sent under the account key the person has not accepted yet: kept until they do.
    await ctx.repo.holdContent({
      contact: contactId,
      fromDevice: envelope.from,
      remoteKey: key,
      content: encodeContent(content),
      at: stamp(ctx),
    });
    return;
  }
  ctx.report({ kind: 'uncertified-sender', fromDevice: envelope.from, account: contactId });
  if (sessionBefore === undefined) await ctx.repo.deleteSession(envelope.from);
  else await ctx.repo.sessions.storeSession(envelope.from, sessionBefore);
}

/** A first message (§1.5.4), by its type byte; anything unreadable is left to the decryption. */
function isPrekeyMessage(body: Uint8Array): boolean {
  try {
    return peekMessageType(body) === 'prekey';
  } catch {
    return false;
  }
}

async function applyCertified(
  ctx: ChatContext,
  contact: ContactRecord,
  fromDevice: string,
  content: Content,
): Promise<void> {
  if (contact.id !== ctx.me) await applyContent(ctx, contact, fromDevice, content);
  else await applyOwnContent(ctx, contact, fromDevice, content);
}

/**
 * The person accepted a contact's new account key: what was held under it is applied now, each
 * only if the list accepted under the key certifies its device with the key it came under.
 */
export async function applyHeld(ctx: ChatContext, contactId: string): Promise<void> {
  for (const { key, held } of await ctx.repo.listHeld(contactId)) {
    await ctx.repo.deleteHeld(key);
    const contact = await ctx.repo.loadContact(contactId);
    if (contact === undefined) continue;
    const sender = await certifiedSender(ctx, contact, held.fromDevice, held.remoteKey);
    if (sender === null) {
      ctx.report({ kind: 'uncertified-sender', fromDevice: held.fromDevice, account: contactId });
      continue;
    }
    await applyCertified(ctx, sender, held.fromDevice, decodeContent(held.content));
  }
}

/** What another person sends. A transcript counts only from this account's own devices. */
async function applyContent(
  ctx: ChatContext,
  contact: ContactRecord,
  fromDevice: string,
  content: Content,
): Promise<void> {
  switch (content.type) {
    case 'text':
    case 'reply':
    case 'attachment':
      await fileMessage(ctx, contact, fromDevice, content);
      return;
    case 'receipt':
      await applyReceipt(ctx, contact, content);
      return;
    case 'typing': {
      const conversation = await conversationFor(ctx, contact, content.groupId);
      if (conversation === null) return;
      emit(ctx, {
        kind: 'typing',
        conversation: conversation.id,
        typing: content.state === 'started',
      });
      return;
    }
    case 'timer': {
      const conversation = await conversationFor(ctx, contact, content.groupId);
      if (conversation !== null)
        await applyTimer(ctx, conversation, contact.handle, content.seconds);
      return;
    }
    case 'reaction': {
      const conversation = await conversationFor(ctx, contact, content.groupId);
      if (conversation !== null) await applyReaction(ctx, conversation, contact.handle, content);
      return;
    }
    case 'group':
      await applyGroupState(ctx, contact, content);
      return;
    case 'checkpoint':
      await receiveCheckpoint(ctx, { handle: contact.handle, device: fromDevice }, content.note);
      return;
    case 'transcript':
    case 'groupKeyDistribution':
    case 'control':
    case 'accountKey':
      return;
  }
}

/**
 * What this account's other devices send here: copies of what they sent, the group changes they
 * made, and which messages the person read there. Their typing is not shown.
 */
async function applyOwnContent(
  ctx: ChatContext,
  self: ContactRecord,
  fromDevice: string,
  content: Content,
): Promise<void> {
  if (content.type === 'transcript') await applyTranscript(ctx, content);
  else if (content.type === 'group') await applyGroupState(ctx, self, content);
  else if (content.type === 'receipt' && content.kind === 'read') {
    await applyReadElsewhere(ctx, content.messageIds);
  } else if (content.type === 'checkpoint') {
    await receiveCheckpoint(ctx, { handle: self.handle, device: fromDevice }, content.note);
  }
}

/** A message from another person: stored, counted unread, and a `delivered` receipt sent. */
async function fileMessage(
  ctx: ChatContext,
  contact: ContactRecord,
  fromDevice: string,
  content: Extract<Content, { type: 'text' | 'reply' | 'attachment' }>,
): Promise<void> {
  const conversation = await conversationFor(ctx, contact, content.groupId);
  const body = bodyOfSent(content);
  if (conversation === null) return;
  const id = encodeHex(content.messageId);
  if ((await ctx.repo.loadMessage(id)) !== undefined) return;
  const message = createMessageRecord({
    id,
    conversation: conversation.id,
    sortKey: sortKeyOf(stamp(ctx), id),
    outgoing: false,
    author: contact.handle,
    text: body.text,
    sentAt: content.sentAt,
    state: 'delivered',
    fromDevice,
    // Incoming messages start their timer when read (markRead).
    expiresAt: null,
    timerSeconds: conversation.timerSeconds,
    replyTo: body.replyTo,
    attachment: body.attachment,
  });
  await addMessage(ctx, message);
  const updated: ConversationRecord = {
    ...conversation,
    lastText: previewOf(body.text, body.attachment),
    lastOutgoing: false,
    lastAuthor: contact.handle,
    lastAt: ctx.now(),
    unread: conversation.unread + 1,
  };
  await saveConversation(ctx, updated);
  emit(ctx, { kind: 'typing', conversation: conversation.id, typing: false });
  emit(ctx, { kind: 'incoming', message, conversation: updated });
  // To every device of the author, so the copies on their other devices advance too.
  await sendControl(ctx, Object.keys(contact.devices), {
    type: 'receipt',
    kind: 'delivered',
    messageIds: [content.messageId],
  });
  await tellCheckpoint(ctx, conversation.id, Object.keys(contact.devices));
}

/**
 * The conversation a content from `contact` belongs to: theirs, or the group it names if they
 * are a member of it here. Null refuses it: a group this device does not know, has left, or
 * that the sender is not in.
 */
async function conversationFor(
  ctx: ChatContext,
  contact: ContactRecord,
  groupId: Uint8Array | null,
): Promise<ConversationRecord | null> {
  if (groupId === null) {
    return (await ctx.repo.loadConversation(contact.id)) ?? newConversation(ctx, contact);
  }
  const conversation = await ctx.repo.loadConversation(groupConversationId(encodeHex(groupId)));
  const group = conversation?.group ?? null;
  if (conversation === undefined || group === null) return null;
  if (group.left || !isMember(group, contact.id)) return null;
  return conversation;
}
