import { normalizeHandle, encodeHex, decodeHex } from '@vaultroom/shared';
import { DeliveryError } from '@vaultroom/shared/client';
import {
  computeSafetyNumber,
  decodePrekeyBundle,
  initiateSession,
  type SafetyNumber,
} from '@vaultroom/shared/crypto';
import {
  connected,
  emit,
  requireIdentity,
  requireTransport,
  type ChatContext,
} from './ChatContext.js';
import { ChatError } from './ChatError.js';
import { handleKey, keySetOf, type ContactRecord } from './chatRecords.js';
import { enrol } from './deviceEnrolment.js';

/** How often a contact's device list is fetched again when sending (new devices, revocations). */
const REFRESH_DEVICES_MS = 60 * 60 * 1000;
/**
 * How old a device list may be when the safety number is shown. Each fetch claims one of every
 * device's one-time prekeys, so opening the panel again and again must not fetch each time.
 */
const SAFETY_REFRESH_MS = 5 * 60 * 1000;

export const emptyContact = (handle: string): ContactRecord => ({
  id: handleKey(handle),
  handle,
  devices: {},
  verifiedKeys: null,
  keyChangedAt: null,
  refreshedAt: 0,
});

export async function saveContact(ctx: ChatContext, contact: ContactRecord): Promise<void> {
  await ctx.repo.saveContact(contact);
  emit(ctx, { kind: 'contact', contact });
}

/** Whether a verified contact's keys changed since they were compared: sending must wait. */
export function keysChangedSinceVerified(contact: ContactRecord): boolean {
  return (
    contact.verifiedKeys !== null &&
    contact.keyChangedAt !== null &&
    keySetOf(contact.devices) !== contact.verifiedKeys
  );
}

/**
 * Records a device key seen for a contact. The first keys of a new contact are trusted on first
 * use; any later addition or change is a key change the person is told about (§1.10).
 */
export function withDeviceKey(
  ctx: ChatContext,
  contact: ContactRecord,
  deviceId: string,
  key: string,
): ContactRecord {
  const known = contact.devices[deviceId];
  if (known === key) return contact;
  const firstContact = Object.keys(contact.devices).length === 0;
  return {
    ...contact,
    devices: { ...contact.devices, [deviceId]: key },
    keyChangedAt: firstContact ? contact.keyChangedAt : ctx.now(),
  };
}

/**
 * Fetches the person's prekey bundles and starts a session with each device that has none.
 * Devices no longer listed were revoked: they are forgotten.
 */
export async function refreshDevices(
  ctx: ChatContext,
  contact: ContactRecord,
): Promise<ContactRecord> {
  const link = requireTransport(ctx);
  let bundles;
  try {
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
  const own = ctx.device?.device ?? null;
  let next: ContactRecord = { ...contact, refreshedAt: ctx.now() };
  const listed = new Set<string>();
  for (const { device: deviceId, bundle: bytes } of bundles) {
    if (deviceId === own) continue;
    const bundle = decodePrekeyBundle(bytes);
    listed.add(deviceId);
    next = withDeviceKey(ctx, next, deviceId, encodeHex(bundle.identity.signingPublicKey));
    await ctx.repo.saveDeviceOwner(deviceId, next.id);
    if ((await ctx.repo.sessions.loadSession(deviceId)) === undefined) {
      // initiateSession verifies the bundle's signatures before using it (§1.5).
      const session = initiateSession(ctx.sodium, requireIdentity(ctx), bundle);
      await ctx.repo.sessions.storeSession(deviceId, session);
    }
  }
  const devices = Object.fromEntries(
    Object.entries(next.devices).filter(([deviceId]) => listed.has(deviceId)),
  );
  next = { ...next, devices };
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
 * This account's other devices that this one has a session with, refreshed from the relay when
 * the list is old. A failure here costs the copies, never the message.
 */
export async function ownOtherDevices(ctx: ChatContext): Promise<string[]> {
  try {
    let self = (await ctx.repo.loadContact(ctx.me)) ?? emptyContact(ctx.handle);
    if (isStale(ctx, self) && connected(ctx)) self = await refreshDevices(ctx, self);
    const own = ctx.device?.device ?? null;
    const ids: string[] = [];
    for (const deviceId of Object.keys(self.devices)) {
      if (deviceId === own) continue;
      if ((await ctx.repo.sessions.loadSession(deviceId)) !== undefined) ids.push(deviceId);
    }
    return ids;
  } catch (error) {
    ctx.report({ kind: 'task-failed', task: 'copy to own devices', error });
    return [];
  }
}

/** Finds a person at the relay by handle, as its owner spells it, with their devices' keys. */
export async function findPerson(ctx: ChatContext, handle: string): Promise<ContactRecord> {
  const id = normalizeHandle(handle);
  if (id === ctx.me) throw new ChatError('SELF');
  if (!connected(ctx)) throw new ChatError('OFFLINE');
  // The relay answers lookups only for a registered device: if enrolling on connect failed,
  // it is done again here rather than failing every lookup until the next reconnect.
  if (ctx.device?.device === null || ctx.device?.uploaded === false) await enrol(ctx);
  const contact = await refreshDevices(ctx, (await ctx.repo.loadContact(id)) ?? emptyContact(id));
  const deviceIds = Object.keys(contact.devices);
  if (deviceIds.length === 0) throw new ChatError('NO_DEVICES', id);
  const { devices } = await requireTransport(ctx).lookupDevices(deviceIds.slice(0, 1));
  const spelled = devices[0]?.account ?? contact.handle;
  const named = { ...contact, handle: spelled };
  await saveContact(ctx, named);
  return named;
}

/** The safety number with a person, from device lists at most a few minutes old. */
export async function safetyNumber(ctx: ChatContext, contactId: string): Promise<SafetyNumber> {
  let contact = await ctx.repo.loadContact(contactId);
  if (contact === undefined) throw new ChatError('UNKNOWN_CONVERSATION');
  let self = (await ctx.repo.loadContact(ctx.me)) ?? emptyContact(ctx.handle);
  const fresh = (record: ContactRecord) => ctx.now() - record.refreshedAt < SAFETY_REFRESH_MS;
  if (connected(ctx) && !fresh(contact)) contact = await refreshDevices(ctx, contact);
  if (connected(ctx) && !fresh(self)) self = await refreshDevices(ctx, self);
  const ownKey = encodeHex(requireIdentity(ctx).signingPublicKey);
  const ownKeys = new Set([ownKey, ...Object.values(self.devices)]);
  return computeSafetyNumber(
    ctx.sodium,
    { accountId: ctx.me, identityKeys: [...ownKeys].map(decodeHex) },
    { accountId: contact.id, identityKeys: Object.values(contact.devices).map(decodeHex) },
  );
}

export async function setVerified(
  ctx: ChatContext,
  contactId: string,
  verified: boolean,
): Promise<void> {
  const contact = await ctx.repo.loadContact(contactId);
  if (contact === undefined) throw new ChatError('UNKNOWN_CONVERSATION');
  await saveContact(ctx, {
    ...contact,
    verifiedKeys: verified ? keySetOf(contact.devices) : null,
    keyChangedAt: verified ? null : contact.keyChangedAt,
  });
}

/** The person saw the key-change notice: sending resumes, unverified until compared again. */
export async function acknowledgeKeyChange(ctx: ChatContext, contactId: string): Promise<void> {
  const contact = await ctx.repo.loadContact(contactId);
  if (contact === undefined) return;
  const wasVerified = contact.verifiedKeys !== null;
  await saveContact(ctx, {
    ...contact,
    keyChangedAt: null,
    // Confirming a change is not verifying the new keys: compare safety numbers again.
    verifiedKeys: wasVerified ? null : contact.verifiedKeys,
  });
}
