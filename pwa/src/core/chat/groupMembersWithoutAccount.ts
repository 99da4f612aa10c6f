import { connected, type ChatContext } from './ChatContext.js';
import { ChatError } from './ChatError.js';
import { handleKey, isMember, type ContactRecord, type GroupState } from './chatRecords.js';
import { memberContact } from './contactDirectory.js';
import { saveConversation, saveNotice } from './conversations.js';

/*
 * A member may list in a group a handle no account has (any member may add people, and a
 * modified app skips the check the real one makes). Whoever later signs up under that handle
 * would then join the group unseen and read what follows. So a member found to have no account
 * is left out here for good: nothing is sent to that handle, whoever takes it later, and the
 * conversation says so once. Only a later change that adds the handle again (shown like any
 * addition) lets it back in, after a fresh check.
 */

/** This device found that `member` had no account: nothing goes to that handle in this group. */
export function isWithoutAccount(group: GroupState, member: string): boolean {
  return group.withoutAccount?.includes(handleKey(member)) === true;
}

/**
 * Those found without an account who are still members in `next`, carried over. One dropped from
 * the members drops out of this list too, so adding the handle again later checks it afresh.
 */
export function keptWithoutAccount(current: GroupState, next: GroupState): string[] {
  return (current.withoutAccount ?? []).filter((key) => isMember(next, key));
}

/**
 * A group member's record to encrypt for, as memberContact gives it, or null when this handle
 * has no account here (or was found to have none before): then it is left out, with a notice.
 */
export async function memberToWrite(
  ctx: ChatContext,
  conversationId: string,
  group: GroupState,
  member: string,
): Promise<ContactRecord | null> {
  if (isWithoutAccount(group, member)) return null;
  try {
    return await memberContact(ctx, member);
  } catch (error) {
    if (!(error instanceof ChatError && error.code === 'UNKNOWN_ACCOUNT')) throw error;
    await leaveOut(ctx, conversationId, member);
    return null;
  }
}

/** Checks members just added by someone else, while connected, before anyone takes the handle. */
export async function checkAddedMembers(
  ctx: ChatContext,
  conversationId: string,
  group: GroupState,
  added: readonly string[],
): Promise<void> {
  if (!connected(ctx)) return; // Checked at the first send instead.
  for (const member of added) {
    if (handleKey(member) === ctx.me) continue;
    await memberToWrite(ctx, conversationId, group, member);
  }
}

async function leaveOut(ctx: ChatContext, conversationId: string, member: string): Promise<void> {
  const conversation = await ctx.repo.loadConversation(conversationId);
  const group = conversation?.group ?? null;
  if (conversation === undefined || group === null || !isMember(group, member)) return;
  if (isWithoutAccount(group, member)) return;
  const withoutAccount = [...(group.withoutAccount ?? []), handleKey(member)];
  await saveConversation(ctx, { ...conversation, group: { ...group, withoutAccount } });
  await saveNotice(ctx, conversationId, ctx.handle, false, {
    kind: 'group',
    change: 'no-account',
    subjects: [member],
    name: group.name,
  });
}
