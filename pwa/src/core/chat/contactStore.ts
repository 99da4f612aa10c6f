import { emit, type ChatContext } from './ChatContext.js';
import { handleKey, type ContactRecord } from './chatRecords.js';

/** A person (or this account) nothing is known of yet: no account key, no device. */
export const emptyContact = (handle: string): ContactRecord => ({
  id: handleKey(handle),
  handle,
  devices: {},
  verifiedKeys: null,
  keyChangedAt: null,
  refreshedAt: 0,
  accountKey: null,
  offeredAccountKey: null,
  listVersion: 0,
  list: null,
  certified: {},
  conflictingList: null,
  unloggedList: null,
});

/** Persist first, then tell listeners. */
export async function saveContact(ctx: ChatContext, contact: ContactRecord): Promise<void> {
  await ctx.repo.saveContact(contact);
  emit(ctx, { kind: 'contact', contact });
}
