import { handleFromInput, encodeHex, decodeHex } from '@vaultroom/shared';
import { labels, type Content } from '@vaultroom/shared/crypto';
import { connected, type ChatContext } from './ChatContext.js';
import { ChatError } from './ChatError.js';
import {
  groupConversationId,
  handleKey,
  isMember,
  isNewerGroupState,
  otherMembers,
  type ContactRecord,
  type ConversationNoticeRecord,
  type ConversationRecord,
  type GroupState,
} from './chatRecords.js';
import { emptyContact, findPerson } from './contactDirectory.js';
import {
  newConversation,
  newMessageId,
  requireConversation,
  saveConversation,
  saveNotice,
} from './conversations.js';
import {
  decodesAtOthers,
  isAcceptableRevision,
  nextRevision,
  validMembers,
} from './groupRevision.js';
import {
  checkAddedMembers,
  keptWithoutAccount,
  memberToWrite,
} from './groupMembersWithoutAccount.js';
import { encryptAndQueue } from './sendPipeline.js';

/**
 * Groups (PROTOCOL.md §1.8.2, `group`): a group's name and members travel in a `group` content
 * to every member before and after a change; the newest state wins.
 */

/** Handles once each (by handle key), first spelling kept, without a leading @. */
function uniqueMembers(handles: readonly string[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const raw of handles) {
    const handle = handleFromInput(raw);
    const key = handleKey(handle);
    if (handle === '' || seen.has(key)) continue;
    seen.add(key);
    out.push(handle);
  }
  return out;
}

/** The lines a group change shows, from the state before it to the state after. */
function groupChanges(
  before: GroupState,
  after: GroupState,
  author: string,
): ConversationNoticeRecord[] {
  const notice = (change: 'renamed' | 'added' | 'removed' | 'left', subjects: string[]) => ({
    kind: 'group' as const,
    change,
    subjects,
    name: after.name,
  });
  const notices: ConversationNoticeRecord[] = [];
  if (after.name !== before.name) notices.push(notice('renamed', []));
  const added = after.members.filter((member) => !isMember(before, member));
  if (added.length > 0) notices.push(notice('added', added));
  const gone = before.members.filter((member) => !isMember(after, member));
  const left = gone.filter((member) => handleKey(member) === handleKey(author));
  const removed = gone.filter((member) => handleKey(member) !== handleKey(author));
  if (left.length > 0) notices.push(notice('left', left));
  if (removed.length > 0) notices.push(notice('removed', removed));
  return notices;
}

/**
 * A group state from a member (§1.8.2): a group this device does not know is joined only if
 * the state lists both the sender and this person; a known one changes only if the sender is
 * a member here and the state is newer, by at most a bounded step (groupRevision.ts). Members
 * that are not handles are dropped.
 */
export async function applyGroupState(
  ctx: ChatContext,
  contact: ContactRecord,
  content: Extract<Content, { type: 'group' }>,
): Promise<void> {
  const { me } = ctx;
  const groupId = encodeHex(content.groupId);
  const id = groupConversationId(groupId);
  const members = uniqueMembers(validMembers(content.members));
  const existing = await ctx.repo.loadConversation(id);
  const known = existing?.group ?? null;
  if (!isAcceptableRevision(content.revision, known === null ? null : known.revision)) return;
  const next: GroupState = {
    groupId,
    name: content.name,
    members,
    revision: content.revision,
    author: contact.id,
    left: !members.some((member) => handleKey(member) === me),
  };
  // From another of this account's devices: the change is this person's own.
  const mine = contact.id === me;
  if (existing === undefined) {
    if (next.left || !isMember(next, contact.id)) return;
    await saveConversation(ctx, {
      ...newConversation(ctx, emptyContact(next.name)),
      id,
      peer: next.name,
      group: next,
    });
    await saveNotice(ctx, id, contact.handle, mine, {
      kind: 'group',
      change: mine ? 'created' : 'added',
      subjects: mine
        ? otherMembers(next, me)
        : members.filter((member) => handleKey(member) === me),
      name: next.name,
    });
    await checkAddedMembers(ctx, id, next, otherMembers(next, me));
    return;
  }
  const current = existing.group;
  if (current === null || current.left || !isMember(current, contact.id)) return;
  if (!isNewerGroupState(next, current)) return;
  const kept: GroupState = { ...next, withoutAccount: keptWithoutAccount(current, next) };
  await saveConversation(ctx, { ...existing, peer: next.name, group: kept });
  for (const notice of groupChanges(current, next, contact.handle)) {
    await saveNotice(ctx, id, contact.handle, mine, notice);
  }
  const added = next.members.filter((member) => !isMember(current, member));
  await checkAddedMembers(ctx, id, kept, added);
}

function checkGroupName(name: string): string {
  const trimmed = name.trim();
  const bytes = new TextEncoder().encode(trimmed).length;
  if (bytes === 0 || bytes > labels.MAX_GROUP_NAME_BYTES) {
    throw new ChatError('GROUP_NAME_INVALID');
  }
  return trimmed;
}

async function requireGroup(
  ctx: ChatContext,
  conversationId: string,
): Promise<{ conversation: ConversationRecord; group: GroupState }> {
  const conversation = await requireConversation(ctx, conversationId);
  if (conversation.group === null) throw new ChatError('UNKNOWN_CONVERSATION');
  if (conversation.group.left) throw new ChatError('NOT_A_MEMBER');
  return { conversation, group: conversation.group };
}

/**
 * Sets a group's new state here, shows what changed, and sends the state to every member from
 * before and after the change, so those removed learn it too.
 */
async function changeGroup(
  ctx: ChatContext,
  conversation: ConversationRecord,
  current: GroupState,
  name: string,
  members: readonly string[],
): Promise<void> {
  const { me } = ctx;
  if (!connected(ctx)) throw new ChatError('OFFLINE');
  if (members.length > labels.MAX_GROUP_MEMBERS) throw new ChatError('GROUP_FULL');
  let next: GroupState = {
    ...current,
    name,
    members,
    revision: nextRevision(current.revision),
    author: me,
    left: !members.some((member) => handleKey(member) === me),
  };
  next = { ...next, withoutAccount: keptWithoutAccount(current, next) };
  if (!decodesAtOthers(groupContent(next))) throw new ChatError('GROUP_STATE_INVALID');
  await saveConversation(ctx, { ...conversation, peer: name, group: next });
  for (const notice of groupChanges(current, next, ctx.handle)) {
    await saveNotice(ctx, conversation.id, ctx.handle, true, notice);
  }
  const told = uniqueMembers([...otherMembers(current, me), ...otherMembers(next, me)]);
  await sendGroupState(ctx, next, told);
}

function groupContent(group: GroupState): Extract<Content, { type: 'group' }> {
  return {
    type: 'group',
    groupId: decodeHex(group.groupId),
    revision: group.revision,
    name: group.name,
    members: group.members,
  };
}

async function sendGroupState(
  ctx: ChatContext,
  group: GroupState,
  to: readonly string[],
): Promise<void> {
  const id = groupConversationId(group.groupId);
  const contacts: ContactRecord[] = [];
  for (const member of to) {
    const contact = await memberToWrite(ctx, id, group, member);
    if (contact !== null) contacts.push(contact);
  }
  if (contacts.length === 0) return;
  const state = groupContent(group);
  // This account's other devices take the same state: they follow the group too.
  await encryptAndQueue(ctx, contacts, state, newMessageId(ctx), state);
}

/** Creates a group with these people (needs a connection) and tells each of them. */
export async function createGroup(
  ctx: ChatContext,
  name: string,
  handles: readonly string[],
): Promise<ConversationRecord> {
  const groupName = checkGroupName(name);
  if (!connected(ctx)) throw new ChatError('OFFLINE');
  const people: ContactRecord[] = [];
  for (const handle of uniqueMembers(handles.filter((h) => h.trim() !== ''))) {
    people.push(await findPerson(ctx, handle));
  }
  if (people.length + 1 > labels.MAX_GROUP_MEMBERS) throw new ChatError('GROUP_FULL');
  const groupId = encodeHex(ctx.sodium.randombytes_buf(labels.SIZES.groupId));
  const group: GroupState = {
    groupId,
    name: groupName,
    members: [ctx.handle, ...people.map((person) => person.handle)],
    revision: nextRevision(null),
    author: ctx.me,
    left: false,
  };
  const conversation: ConversationRecord = {
    ...newConversation(ctx, emptyContact(groupName)),
    id: groupConversationId(groupId),
    peer: groupName,
    group,
  };
  await saveConversation(ctx, conversation);
  await saveNotice(ctx, conversation.id, ctx.handle, true, {
    kind: 'group',
    change: 'created',
    subjects: otherMembers(group, ctx.me),
    name: groupName,
  });
  await sendGroupState(ctx, group, otherMembers(group, ctx.me));
  return conversation;
}

export async function renameGroup(
  ctx: ChatContext,
  conversationId: string,
  name: string,
): Promise<void> {
  const { conversation, group } = await requireGroup(ctx, conversationId);
  const groupName = checkGroupName(name);
  if (groupName === group.name) return;
  await changeGroup(ctx, conversation, group, groupName, group.members);
}

export async function addMembers(
  ctx: ChatContext,
  conversationId: string,
  handles: readonly string[],
): Promise<void> {
  const { conversation, group } = await requireGroup(ctx, conversationId);
  const added: string[] = [];
  for (const handle of uniqueMembers(handles.filter((h) => h.trim() !== ''))) {
    if (isMember(group, handleFromInput(handle))) continue;
    added.push((await findPerson(ctx, handle)).handle);
  }
  if (added.length === 0) return;
  await changeGroup(ctx, conversation, group, group.name, [...group.members, ...added]);
}

export async function removeMember(
  ctx: ChatContext,
  conversationId: string,
  handle: string,
): Promise<void> {
  const { conversation, group } = await requireGroup(ctx, conversationId);
  if (handleKey(handle) === ctx.me) throw new ChatError('SELF');
  if (!isMember(group, handle)) return;
  const members = group.members.filter((member) => handleKey(member) !== handleKey(handle));
  await changeGroup(ctx, conversation, group, group.name, members);
}

/** Leaves the group: the others are told, and the conversation stays here, read-only. */
export async function leaveGroup(ctx: ChatContext, conversationId: string): Promise<void> {
  const { conversation, group } = await requireGroup(ctx, conversationId);
  const members = group.members.filter((member) => handleKey(member) !== ctx.me);
  await changeGroup(ctx, conversation, group, group.name, members);
}
