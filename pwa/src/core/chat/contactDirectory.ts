import { normalizeHandle, encodeHex, decodeHex } from '@vaultroom/shared';
import { DeliveryError } from '@vaultroom/shared/client';
import {
  computeAccountSafetyNumber,
  decodePrekeyBundle,
  initiateSession,
  isCryptoError,
  type SafetyNumber,
} from '@vaultroom/shared/crypto';
import { applyServedTrust, fetchServedTrust } from './accountTrust.js';
import {
  connected,
  emit,
  requireIdentity,
  requireTransport,
  type ChatContext,
} from './ChatContext.js';
import { ChatError } from './ChatError.js';
import { handleKey, pinAccountKey, type ContactRecord } from './chatRecords.js';
import { emptyContact, saveContact } from './contactStore.js';
import { enrol } from './deviceEnrolment.js';
import { establishOwnTrust } from './ownTrust.js';

/** How often a contact's device list is fetched again when sending (new devices, revocations). */
const REFRESH_DEVICES_MS = 60 * 60 * 1000;
/**
 * How old a device list may be when the safety number is shown. Each fetch claims one of every
 * device's one-time prekeys, so opening the panel again and again must not fetch each time.
 */
const SAFETY_REFRESH_MS = 5 * 60 * 1000;

export { emptyContact, saveContact };

/** A key change not yet accepted: nothing is encrypted to the account until it is. */
export const sendingPaused = (contact: ContactRecord): boolean =>
  contact.offeredAccountKey !== null;

/** Whether a verified contact's account key changed: a hard stop until the person confirms. */
export function keysChangedSinceVerified(contact: ContactRecord): boolean {
  return sendingPaused(contact) && contact.verifiedKeys !== null;
}

/**
 * Fetches the account's trust objects and prekey bundles, accepts a newer list (accountTrust),
 * and keeps as devices to encrypt to only those the accepted list certifies whose bundle carries
 * exactly the certified identity keys (PROTOCOL.md §1.15.6 rule 4). A session whose remote key is
 * not the certified one is replaced. Devices no longer listed were revoked: they are forgotten.
 */
export async function refreshDevices(
  ctx: ChatContext,
  contact: ContactRecord,
): Promise<ContactRecord> {
  const link = requireTransport(ctx);
  let bundles;
  let served;
  try {
    served = await fetchServedTrust(ctx, contact.handle);
    bundles = (await link.fetchBundles(contact.handle)).bundles;
  } catch (error) {
    if (error instanceof DeliveryError && error.code === 'UNKNOWN_ACCOUNT') {
      throw new ChatError('UNKNOWN_ACCOUNT');
    }
    if (error instanceof DeliveryError && error.code === 'RATE_LIMITED') {
      throw new ChatError('RATE_LIMITED');
    }
    throw error;
  }
  let next = await applyServedTrust(ctx, contact, served);
  const own = ctx.device?.device ?? null;
  const devices: Record<string, string> = {};
  const uncertified: string[] = [];
  const stale: string[] = [];
  for (const { device: deviceId, bundle: bytes } of bundles) {
    if (deviceId === own) continue;
    const bundle = decodePrekeyBundle(bytes);
    const certified = next.certified[deviceId];
    if (
      certified?.signingKey !== encodeHex(bundle.identity.signingPublicKey) ||
      certified.dhKey !== encodeHex(bundle.identity.dhPublicKey)
    ) {
      uncertified.push(deviceId);
      continue;
    }
    const session = await ctx.repo.sessions.loadSession(deviceId);
    if (session === undefined || encodeHex(session.remoteIdentityKey) !== certified.signingKey) {
      // initiateSession verifies the bundle's signatures and its prekeys' age (§1.5, §1.4.4).
      let started;
      try {
        started = initiateSession(ctx.sodium, requireIdentity(ctx), bundle, ctx.now());
      } catch (error) {
        if (!isCryptoError(error, 'STALE_PREKEY')) throw error;
        stale.push(deviceId);
        continue;
      }
      await ctx.repo.sessions.storeSession(deviceId, started);
    }
    devices[deviceId] = certified.signingKey;
    await ctx.repo.saveDeviceOwner(deviceId, next.id);
  }
  if (stale.length > 0) ctx.report({ kind: 'stale-prekeys', account: next.id, devices: stale });
  if (uncertified.length > 0) {
    ctx.report({ kind: 'uncertified-devices', account: next.id, devices: uncertified });
  }
  // On one's own account they are what the person must know of: shown until approved.
  if (next.id === ctx.me) emit(ctx, { kind: 'devices-waiting', devices: uncertified });
  next = { ...next, devices, refreshedAt: ctx.now() };
  await saveContact(ctx, next);
  return next;
}

const isStale = (ctx: ChatContext, contact: ContactRecord): boolean =>
  ctx.now() - contact.refreshedAt > REFRESH_DEVICES_MS;

/** The devices to encrypt for, refreshing the list when it is missing or old and we can. */
export async function recipientsOf(
  ctx: ChatContext,
  contactId: string,
): Promise<ContactRecord | null> {
  const contact = (await ctx.repo.loadContact(contactId)) ?? null;
  if (contact === null) return null;
  if ((Object.keys(contact.devices).length === 0 || isStale(ctx, contact)) && connected(ctx)) {
    return refreshDevices(ctx, contact);
  }
  return contact;
}

/**
 * A group member's record with devices to encrypt for: fetched when missing or old and the
 * relay is there. Null when none are known yet.
 */
export async function memberContact(
  ctx: ChatContext,
  handle: string,
): Promise<ContactRecord | null> {
  const contact = (await ctx.repo.loadContact(handleKey(handle))) ?? emptyContact(handle);
  const current =
    (Object.keys(contact.devices).length === 0 || isStale(ctx, contact)) && connected(ctx)
      ? await refreshDevices(ctx, contact)
      : contact;
  return Object.keys(current.devices).length === 0 ? null : current;
}

/** The account a device belongs to, from the relay's `lookup-devices` the first time. */
export async function ownerOf(ctx: ChatContext, deviceId: string): Promise<string | null> {
  const known = await ctx.repo.loadDeviceOwner(deviceId);
  if (known !== undefined) return known;
  const { devices } = await requireTransport(ctx).lookupDevices([deviceId]);
  const owner = devices.find((entry) => entry.device === deviceId);
  if (owner === undefined) return null;
  const contactId = handleKey(owner.account);
  if ((await ctx.repo.loadContact(contactId)) === undefined) {
    await saveContact(ctx, emptyContact(owner.account));
  }
  await ctx.repo.saveDeviceOwner(deviceId, contactId);
  return contactId;
}

/**
 * This account's other devices that its account key certifies (device id → identity key),
 * refreshed from the relay when the list is old. A failure here costs the copies, never the
 * message.
 */
export async function ownOtherDevices(ctx: ChatContext): Promise<Record<string, string>> {
  try {
    let self = (await ctx.repo.loadContact(ctx.me)) ?? emptyContact(ctx.handle);
    if (isStale(ctx, self) && connected(ctx)) self = await refreshDevices(ctx, self);
    const own = ctx.device?.device ?? null;
    return Object.fromEntries(Object.entries(self.devices).filter(([id]) => id !== own));
  } catch (error) {
    ctx.report({ kind: 'task-failed', task: 'copy to own devices', error });
    return {};
  }
}

/** Finds a person at the relay by handle, as its owner spells it, with their devices' keys. */
export async function findPerson(ctx: ChatContext, handle: string): Promise<ContactRecord> {
  const id = normalizeHandle(handle);
  if (id === ctx.me) throw new ChatError('SELF');
  if (!connected(ctx)) throw new ChatError('OFFLINE');
  // The relay answers lookups only for a registered device: if enrolling on connect failed,
  // it is done again here rather than failing every lookup until the next reconnect.
  if (ctx.device?.device === null || ctx.device?.uploaded === false) {
    await enrol(ctx);
    // Its account key too: what it sends counts only once the account certifies it.
    await establishOwnTrust(ctx);
  }
  const contact = await refreshDevices(ctx, (await ctx.repo.loadContact(id)) ?? emptyContact(id));
  const deviceIds = Object.keys(contact.devices);
  if (deviceIds.length === 0) throw new ChatError('NO_DEVICES', id);
  const { devices } = await requireTransport(ctx).lookupDevices(deviceIds.slice(0, 1));
  const spelled = devices[0]?.account ?? contact.handle;
  const named = { ...contact, handle: spelled };
  await saveContact(ctx, named);
  return named;
}

/**
 * The safety number with a person, from the two account keys (PROTOCOL.md §1.15.4): adding a
 * device changes nothing, a new account key changes it. Their trust is refreshed when it is a
 * few minutes old.
 */
export async function safetyNumber(ctx: ChatContext, contactId: string): Promise<SafetyNumber> {
  let contact = await ctx.repo.loadContact(contactId);
  if (contact === undefined) throw new ChatError('UNKNOWN_CONVERSATION');
  const fresh = ctx.now() - contact.refreshedAt < SAFETY_REFRESH_MS;
  if (connected(ctx) && !fresh) contact = await refreshDevices(ctx, contact);
  const own = ctx.accountKey;
  if (own === null || contact.accountKey === null) throw new ChatError('NO_ACCOUNT_KEY');
  return computeAccountSafetyNumber(
    ctx.sodium,
    { handle: ctx.me, accountPublicKey: own.publicKey },
    { handle: contact.id, accountPublicKey: decodeHex(contact.accountKey) },
  );
}

/** Verifying pins the account key the numbers were computed from (or takes it back). */
export async function setVerified(
  ctx: ChatContext,
  contactId: string,
  verified: boolean,
): Promise<void> {
  const contact = await ctx.repo.loadContact(contactId);
  if (contact === undefined) throw new ChatError('UNKNOWN_CONVERSATION');
  await saveContact(ctx, {
    ...contact,
    verifiedKeys: verified ? contact.accountKey : null,
    keyChangedAt: verified ? null : contact.keyChangedAt,
  });
}

/**
 * The person saw the key-change notice: the new account key is pinned, its list is fetched
 * afresh on the next send, and sending resumes, unverified until compared again.
 */
export async function acknowledgeKeyChange(ctx: ChatContext, contactId: string): Promise<void> {
  const contact = await ctx.repo.loadContact(contactId);
  if (contact === undefined) return;
  const offered = contact.offeredAccountKey;
  const pinned = offered === null ? contact : pinAccountKey(contact, offered);
  // Confirming a change is not verifying the new key: compare safety numbers again.
  await saveContact(ctx, { ...pinned, keyChangedAt: null, verifiedKeys: null });
}
