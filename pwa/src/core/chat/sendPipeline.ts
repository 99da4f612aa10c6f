import { encodeHex, decodeHex } from '@vaultroom/shared';
import { DeliveryError, type SendUpdate } from '@vaultroom/shared/client';
import {
  encodeContent,
  labels,
  sendMessage,
  type Content,
  type SentMessage,
  type TranscribedContent,
  type TranscriptDestination,
} from '@vaultroom/shared/crypto';
import { background, connected, requireTransport, stamp, type ChatContext } from './ChatContext.js';
import { ChatError } from './ChatError.js';
import {
  laterState,
  otherMembers,
  sortKeyOf,
  waitingReason,
  type ContactRecord,
  type ConversationRecord,
  type MessageRecord,
  type MessageState,
  type PendingSend,
} from './chatRecords.js';
import {
  keysChangedSinceVerified,
  sendingPaused,
  ownOtherDevices,
  recipientsOf,
} from './contactDirectory.js';
import {
  addMessage,
  groupIdOf,
  newMessageId,
  requireConversation,
  saveConversation,
  saveMessage,
} from './conversations.js';
import { createMessageRecord } from './createMessageRecord.js';
import { memberToWrite } from './groupMembersWithoutAccount.js';
import { pointerOf, previewOf, type AttachmentRecord } from './attachmentRecord.js';
import { tellCheckpoint } from './checkpointGossip.js';

/**
 * The path of an outgoing message, one PendingSend from start to end (chatRecords.ts): written
 * here first with its pending send (`needs-keys`), then, once keys and a connection allow,
 * encrypted for each recipient device and handed to the delivery client's outbox (`encrypted`),
 * whose answers settle it as `sent` or `failed`.
 */

/**
 * Encrypts `content` for each device of the contacts (pairwise fan-out, PROTOCOL.md §1.8.2),
 * and `copy` (if any) for this account's other devices, and hands both to the outbox as one
 * send under `msg`.
 */
export async function encryptAndQueue(
  ctx: ChatContext,
  contacts: readonly ContactRecord[],
  content: Content,
  msg: Uint8Array,
  copy: Content | null = null,
): Promise<void> {
  const to: { device: string; body: Uint8Array }[] = [];
  const encryptFor = async (devices: Readonly<Record<string, string>>, bytes: Uint8Array) => {
    for (const [deviceId, key] of Object.entries(devices)) {
      // §1.15.6 rule 4, at the last step: only over a session with the certified key.
      const session = await ctx.repo.sessions.loadSession(deviceId);
      if (session === undefined || encodeHex(session.remoteIdentityKey) !== key) continue;
      to.push({
        device: deviceId,
        body: await sendMessage(ctx.sodium, ctx.repo.sessions, deviceId, bytes),
      });
    }
  };
  const bytes = encodeContent(content);
  for (const contact of contacts) {
    // A key change not accepted yet: nothing goes to that account (rule 1).
    if (!sendingPaused(contact)) await encryptFor(contact.devices, bytes);
  }
  if (to.length === 0) throw new ChatError('NO_DEVICES');
  if (copy !== null) await encryptFor(await ownOtherDevices(ctx), encodeContent(copy));
  await requireTransport(ctx).send(to, msg);
}

/** A copy of what this device sent, for this account's other devices (PROTOCOL.md §1.8.2). */
export function transcriptOf(
  conversation: ConversationRecord,
  message: TranscribedContent,
): Content {
  const destination: TranscriptDestination =
    conversation.group === null
      ? { kind: 'person', handle: conversation.peer }
      : { kind: 'group', groupId: decodeHex(conversation.group.groupId) };
  return { type: 'transcript', destination, message };
}

/**
 * Who a conversation's messages go to, or null to wait: keys not known yet and no relay to ask.
 * With the relay there, a member with no device (deleted, never opened the app) is left out.
 */
export async function audienceOf(
  ctx: ChatContext,
  conversation: ConversationRecord,
): Promise<ContactRecord[] | null> {
  const { group } = conversation;
  if (group === null) {
    const contact = await recipientsOf(ctx, conversation.id);
    return contact === null || Object.keys(contact.devices).length === 0 ? null : [contact];
  }
  if (group.left) throw new ChatError('NOT_A_MEMBER');
  const contacts: ContactRecord[] = [];
  for (const member of otherMembers(group, ctx.me)) {
    const contact = await memberToWrite(ctx, conversation.id, group, member);
    if (contact !== null) contacts.push(contact);
    else if (!connected(ctx)) return null;
  }
  return contacts;
}

/**
 * Takes a pending send from `needs-keys` to `encrypted`, if keys and the connection allow now.
 * The sessions it advances, its new stage and the outbox record are committed together when the
 * outbox stores the send, before it goes on the wire.
 */
export async function dispatch(ctx: ChatContext, pending: PendingSend): Promise<void> {
  if (pending.stage !== 'needs-keys') return;
  const message = await ctx.repo.loadMessage(pending.id);
  if (message?.state !== 'queued') {
    // Deleted meanwhile (its time was up), or settled: nothing left to send.
    await ctx.repo.deletePendingSend(pending.id);
    return;
  }
  try {
    const conversation = await requireConversation(ctx, message.conversation);
    const audience = await audienceOf(ctx, conversation);
    if (audience === null) return; // wait for keys
    if (audience.some(sendingPaused)) return; // the person accepts the key change first
    const content = contentOfMessage(message, groupIdOf(conversation));
    await ctx.repo.savePendingSend({ ...pending, stage: 'encrypted' });
    // In the outbox once this returns: the delivery client resends it with this id until the
    // relay has it, and its answers (applySendUpdate) settle the message.
    await encryptAndQueue(
      ctx,
      audience,
      content,
      decodeHex(message.id),
      transcriptOf(conversation, content),
    );
    const devices = audience.filter((contact) => !sendingPaused(contact));
    await tellCheckpoint(
      ctx,
      conversation.id,
      devices.flatMap((c) => Object.keys(c.devices)),
    );
  } catch (error) {
    // The outbox refused it outright (too large, signed out): it will not go by waiting.
    const code =
      error instanceof ChatError || error instanceof DeliveryError ? error.code : 'SEND_FAILED';
    await saveMessage(ctx, { ...message, state: 'failed', failure: code });
    await ctx.repo.deletePendingSend(pending.id);
  }
}

/** The content a written message goes out as: a text, a reply, or a file's pointer. */
function contentOfMessage(message: MessageRecord, groupId: Uint8Array | null): SentMessage {
  const head = { messageId: decodeHex(message.id), sentAt: message.sentAt, groupId };
  if (message.attachment !== null) {
    return { type: 'attachment', ...head, pointer: pointerOf(message.attachment, message.text) };
  }
  return message.replyTo === null
    ? { type: 'text', ...head, text: message.text }
    : { type: 'reply', ...head, text: message.text, replyTo: decodeHex(message.replyTo) };
}

/** Every send still needing keys, oldest first: on a new connection or a confirmed key change. */
export async function dispatchPending(ctx: ChatContext): Promise<void> {
  for (const pending of await ctx.repo.listPendingSends()) await dispatch(ctx, pending);
}

/** The outbox's news of a send: `sent`, `failed`, or why it waits. */
export async function applySendUpdate(ctx: ChatContext, update: SendUpdate): Promise<void> {
  const settled = update.state === 'sent' || update.state === 'failed';
  // The outbox is done with it: its record goes with the answer's effect, in one transaction.
  if (settled) await ctx.repo.outbox.delete(update.msg);
  const message = await ctx.repo.loadMessage(encodeHex(update.msg));
  if (!message?.outgoing) return; // a receipt or a typing notice
  let state: MessageState = message.state;
  let failure = message.failure;
  // The latest answer says why it waits; `sending` (a retry on the wire) is no answer yet, so
  // the reason stays until the relay takes it or says something else.
  let waiting = message.waiting;
  if (update.state === 'queued') waiting = waitingReason(update.code);
  if (update.state === 'sent') {
    state = laterState(state, 'sent');
    waiting = null;
  }
  if (update.state === 'failed') {
    state = laterState(state, 'failed');
    failure = update.code ?? 'SEND_FAILED';
    waiting = null;
  }
  if (state !== message.state || failure !== message.failure || waiting !== message.waiting) {
    await saveMessage(ctx, { ...message, state, failure, waiting });
  }
  // Settled: the relay holds it or refused it for good. No longer on its way out.
  if (settled) {
    if ((await ctx.repo.loadPendingSend(message.id)) !== undefined) {
      await ctx.repo.deletePendingSend(message.id);
    }
  }
}

/** Receipts and typing notices go only to devices we already share a session with. */
export async function sendControl(
  ctx: ChatContext,
  deviceIds: readonly string[],
  content: Content,
): Promise<void> {
  const link = requireTransport(ctx);
  const bytes = encodeContent(content);
  const to: { device: string; body: Uint8Array }[] = [];
  for (const deviceId of deviceIds) {
    if ((await ctx.repo.sessions.loadSession(deviceId)) === undefined) continue;
    to.push({
      device: deviceId,
      body: await sendMessage(ctx.sodium, ctx.repo.sessions, deviceId, bytes),
    });
  }
  if (to.length > 0) await link.send(to);
}

export async function sendReceipts(
  ctx: ChatContext,
  deviceIds: readonly string[],
  kind: 'delivered' | 'read',
  messageIds: readonly Uint8Array[],
): Promise<void> {
  if (deviceIds.length === 0) return;
  for (let i = 0; i < messageIds.length; i += labels.MAX_RECEIPT_IDS) {
    const batch = messageIds.slice(i, i + labels.MAX_RECEIPT_IDS);
    await sendControl(ctx, deviceIds, { type: 'receipt', kind, messageIds: batch });
  }
}

/**
 * Sends a small content (timer, reaction) to everyone in the conversation through the outbox,
 * with a copy for this account's other devices.
 */
export async function sendToConversation(
  ctx: ChatContext,
  conversation: ConversationRecord,
  content: Extract<TranscribedContent, { type: 'timer' | 'reaction' }>,
): Promise<void> {
  const audience = await audienceOf(ctx, conversation);
  if (audience === null || audience.length === 0) return;
  if (audience.some(sendingPaused)) throw new ChatError('KEYS_CHANGED');
  await encryptAndQueue(
    ctx,
    audience,
    content,
    newMessageId(ctx),
    transcriptOf(conversation, content),
  );
}

/**
 * Writes an outgoing message, its pending send and its conversation's preview. A file's message
 * starts at `needs-upload`; the caller starts what comes next. Runs inside the serial queue.
 */
export async function writeMessage(
  ctx: ChatContext,
  conversationId: string,
  text: string,
  replyTo: string | null,
  attachment: AttachmentRecord | null,
): Promise<{ readonly message: MessageRecord; readonly pending: PendingSend }> {
  const trimmed = text.trim();
  const conversation = await requireConversation(ctx, conversationId);
  if (conversation.group?.left === true) throw new ChatError('NOT_A_MEMBER');
  const contact = await ctx.repo.loadContact(conversationId);
  if (contact !== undefined && keysChangedSinceVerified(contact)) {
    throw new ChatError('KEYS_CHANGED');
  }
  const id = encodeHex(newMessageId(ctx));
  const at = ctx.now();
  const { timerSeconds } = conversation;
  const message = createMessageRecord({
    id,
    conversation: conversationId,
    sortKey: sortKeyOf(stamp(ctx, at), id),
    outgoing: true,
    author: ctx.handle,
    text: trimmed,
    sentAt: at,
    state: 'queued',
    expiresAt: timerSeconds > 0 ? at + timerSeconds * 1000 : null,
    timerSeconds,
    replyTo,
    attachment,
  });
  const stage = attachment === null ? 'needs-keys' : 'needs-upload';
  const pending: PendingSend = { id, stage, since: at };
  await ctx.repo.savePendingSend(pending);
  await addMessage(ctx, message);
  await saveConversation(ctx, {
    ...conversation,
    lastText: previewOf(trimmed, attachment),
    lastOutgoing: true,
    lastAuthor: ctx.handle,
    lastAt: at,
    draft: attachment === null ? '' : conversation.draft,
  });
  return { message, pending };
}

/** Writes a text message, then queues its dispatch. Runs inside the serial queue. */
export async function writeText(
  ctx: ChatContext,
  conversationId: string,
  text: string,
  replyTo: string | null = null,
): Promise<MessageRecord> {
  const { message, pending } = await writeMessage(ctx, conversationId, text, replyTo, null);
  background(ctx, 'send', () => ctx.serial(() => dispatch(ctx, pending)));
  return message;
}

/** Sends a failed message again, under a new id. Runs inside the serial queue. */
export async function retryText(ctx: ChatContext, messageId: string): Promise<MessageRecord> {
  const failed = await ctx.repo.loadMessage(messageId);
  if (failed?.state !== 'failed') throw new ChatError('UNKNOWN_MESSAGE');
  await saveMessage(ctx, { ...failed, failure: 'RETRIED' });
  return writeText(ctx, failed.conversation, failed.text, failed.replyTo);
}
