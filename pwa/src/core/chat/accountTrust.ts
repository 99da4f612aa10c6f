import { decodeHex, encodeHex } from '@vaultroom/shared';
import { DeliveryError, type AccountTrust } from '@vaultroom/shared/client';
import {
  isCryptoError,
  verifyAccountDevices,
  verifyDeviceList,
  type DeviceCertificate,
} from '@vaultroom/shared/crypto';
import { requireTransport, type ChatContext } from './ChatContext.js';
import { ChatError } from './ChatError.js';
import {
  isMember,
  type CertifiedDevice,
  type ContactRecord,
  type ConversationNoticeRecord,
} from './chatRecords.js';
import { saveContact } from './contactStore.js';
import { saveNotice } from './conversations.js';
import { proveServedTrust } from './keyTransparency.js';

/**
 * PROTOCOL.md §1.15.6 rules 1–3 and 7 for one account (a contact's, or this account's own): what the
 * relay serves is checked against what this device pinned and accepted before, and only a newer
 * list that the pinned account key signed, with a certificate for every device it names, is
 * accepted. The accepted state is stored before anything acts on it.
 */

/** The account key, newest list and certificates the relay serves for a handle. */
export async function fetchServedTrust(ctx: ChatContext, handle: string): Promise<AccountTrust> {
  try {
    return await requireTransport(ctx).fetchTrust(handle);
  } catch (error) {
    if (error instanceof DeliveryError && error.code === 'UNKNOWN_ACCOUNT') {
      throw new ChatError('UNKNOWN_ACCOUNT');
    }
    throw error;
  }
}

export const certifiedEntry = (certificate: DeviceCertificate): CertifiedDevice => ({
  signingKey: encodeHex(certificate.signingPublicKey),
  dhKey: encodeHex(certificate.dhPublicKey),
  hash: encodeHex(certificate.hash),
});

/** Whether `device` is certified in the accepted list with this Ed25519 identity key. */
export function isCertified(contact: ContactRecord, device: string, signingKey: string): boolean {
  return contact.certified[device]?.signingKey === signingKey;
}

/**
 * Checks what the relay served and returns the record to use from now on, stored. A first
 * account key is pinned (trust on first use), except one's own, which comes only from holding
 * it (rule 1). A different one is a key change: offered, never used until the person accepts it.
 */
export async function applyServedTrust(
  ctx: ChatContext,
  contact: ContactRecord,
  served: AccountTrust,
): Promise<ContactRecord> {
  let next = contact;
  const servedKey = served.accountKey === null ? null : encodeHex(served.accountKey);
  if (servedKey !== null && next.accountKey === null && next.id !== ctx.me) {
    next = { ...next, accountKey: servedKey };
  } else if (servedKey !== null && next.accountKey !== null && servedKey !== next.accountKey) {
    if (next.offeredAccountKey !== servedKey) next = await offerKeyChange(ctx, next, servedKey);
    if (next !== contact) await saveContact(ctx, next);
    return next;
  } else if (servedKey !== null && next.offeredAccountKey !== null) {
    // The relay serves the pinned key again: the other one is no longer offered, so accepting
    // the change can never pin a key the relay showed once and then withdrew.
    next = { ...next, offeredAccountKey: null };
  }
  if (next.accountKey !== null && served.list !== null) {
    if (!sameList(next, served.list)) {
      // Rule 7: a list, its certificates and the account key are used only once the relay
      // proves them in the audit log; otherwise nothing served now is taken, the pin included.
      const logged = await proveServedTrust(ctx, served);
      if (!logged.proven) return refuseUnlogged(ctx, contact, served.list, logged.code);
    }
    next = acceptList(ctx, next, next.accountKey, served.list, served.certificates);
    if (next.conflictingList !== contact.conflictingList) await warnOfConflict(ctx, next);
  }
  if (next !== contact) {
    await dropUncertifiedSessions(ctx, next);
    // A newer list may name new devices: their bundles are fetched at the next send.
    const newer = next.listVersion !== contact.listVersion;
    next = { ...next, devices: certifiedOnly(next), refreshedAt: newer ? 0 : next.refreshedAt };
    await saveContact(ctx, next);
  }
  return next;
}

const sameList = (contact: ContactRecord, list: Uint8Array): boolean =>
  contact.list !== null && encodeHex(contact.list) === encodeHex(list);

/**
 * The relay could not prove what it served in the log (rule 7): the record stays as it was, and
 * the person is told once per such list in every conversation shared with the account.
 */
async function refuseUnlogged(
  ctx: ChatContext,
  contact: ContactRecord,
  list: Uint8Array,
  code: string,
): Promise<ContactRecord> {
  ctx.report({ kind: 'key-not-logged', account: contact.id, code });
  const hash = encodeHex(ctx.sodium.crypto_generichash(16, list, null));
  if (contact.unloggedList === hash) return contact;
  const next = { ...contact, unloggedList: hash };
  await saveContact(ctx, next);
  if (contact.id !== ctx.me) {
    await noteInSharedConversations(ctx, next, { kind: 'key-not-logged' });
  }
  return next;
}

/** Rules 2 and 3: the list if it is newer and consistent, else the record unchanged. */
function acceptList(
  ctx: ChatContext,
  contact: ContactRecord,
  accountKey: string,
  list: Uint8Array,
  certificates: readonly Uint8Array[],
): ContactRecord {
  // The same version with the same bytes is no change.
  if (sameList(contact, list)) return contact;
  const key = decodeHex(accountKey);
  try {
    const accepted = verifyAccountDevices(
      ctx.sodium,
      key,
      { list, certificates },
      contact.listVersion > 0
        ? { handle: contact.handle, newerThan: contact.listVersion }
        : { handle: contact.handle },
    );
    return {
      ...contact,
      listVersion: accepted.list.version,
      list: Uint8Array.from(list),
      certified: Object.fromEntries(accepted.devices.map((d) => [d.deviceId, certifiedEntry(d)])),
    };
  } catch (error) {
    if (!isCryptoError(error)) throw error;
    const equivocation = isEquivocation(ctx, contact, key, list);
    ctx.report({
      kind: 'device-list-refused',
      account: contact.id,
      code: equivocation ? 'EQUIVOCATION' : error.code,
    });
    if (!equivocation) return contact;
    return {
      ...contact,
      conflictingList: encodeHex(ctx.sodium.crypto_generichash(16, list, null)),
    };
  }
}

/** The same version as the accepted list with other bytes: the account key signed two lists. */
function isEquivocation(
  ctx: ChatContext,
  contact: ContactRecord,
  key: Uint8Array,
  list: Uint8Array,
): boolean {
  try {
    const other = verifyDeviceList(ctx.sodium, key, list, { handle: contact.handle });
    return other.version === contact.listVersion;
  } catch {
    return false;
  }
}

/** Devices to encrypt to stay only while the list certifies them with the same key. */
function certifiedOnly(contact: ContactRecord): Record<string, string> {
  return Object.fromEntries(
    Object.entries(contact.devices).filter(([device, key]) => isCertified(contact, device, key)),
  );
}

/** Rule 5: once a list without a device is accepted, its sessions are dropped. */
async function dropUncertifiedSessions(ctx: ChatContext, contact: ContactRecord): Promise<void> {
  for (const [device, key] of Object.entries(contact.devices)) {
    if (!isCertified(contact, device, key)) await ctx.repo.deleteSession(device);
  }
}

/**
 * The account key signed two lists with one version (§1.15.6 rule 2): both are refused, the list
 * accepted before stays, and the person is told once per conflicting list in every conversation
 * they share with the account, since the key may be misused.
 */
async function warnOfConflict(ctx: ChatContext, contact: ContactRecord): Promise<void> {
  if (contact.id === ctx.me) return;
  await noteInSharedConversations(ctx, contact, { kind: 'device-list-conflict' });
}

async function noteInSharedConversations(
  ctx: ChatContext,
  contact: ContactRecord,
  notice: ConversationNoticeRecord,
): Promise<void> {
  for (const conversation of await ctx.repo.listConversations()) {
    const { group } = conversation;
    const shared =
      conversation.id === contact.id ||
      (group !== null && !group.left && isMember(group, contact.id));
    if (shared) await saveNotice(ctx, conversation.id, contact.handle, false, notice);
  }
}

/**
 * The relay serves another account key for a pinned handle: the person is told in every
 * conversation they share ("@bob's safety number changed") and sending to them waits (rule 1).
 */
async function offerKeyChange(
  ctx: ChatContext,
  contact: ContactRecord,
  offered: string,
): Promise<ContactRecord> {
  const next = { ...contact, offeredAccountKey: offered, keyChangedAt: ctx.now() };
  if (contact.id !== ctx.me) await noteInSharedConversations(ctx, next, { kind: 'key-change' });
  return next;
}
