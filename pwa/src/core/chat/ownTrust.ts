import { decodeHex, encodeHex } from '@vaultroom/shared';
import { DeliveryError, type AccountTrust } from '@vaultroom/shared/client';
import {
  certifyDevice,
  generateAccountKey,
  isCryptoError,
  openAccountKey,
  signDeviceList,
  type AccountKeyPair,
  type DeviceCertificate,
} from '@vaultroom/shared/crypto';
import {
  commit,
  emit,
  requireIdentity,
  requireTransport,
  type ChatContext,
} from './ChatContext.js';
import type { OwnTrustState } from './ChatEngine.js';
import { ChatError } from './ChatError.js';
import { pinAccountKey, type ContactRecord } from './chatRecords.js';
import { applyServedTrust, certifiedEntry, fetchServedTrust } from './accountTrust.js';
import { emptyContact, saveContact } from './contactStore.js';
import { sealForPasskey, withUserVerification } from './passkeySeal.js';

/**
 * This device's place in its own account (PROTOCOL.md §1.15.6 rule 1, §1.15.7): its account key
 * comes from creating it (the account's first device), from opening the key sealed under the
 * session's passkey, or from a device of the account that approved this one — never from the
 * relay alone. Holding it, the device certifies itself and publishes the next list.
 */

export function setOwnTrust(ctx: ChatContext, state: OwnTrustState): void {
  if (ctx.ownTrust === state) return;
  ctx.ownTrust = state;
  emit(ctx, { kind: 'trust', state });
}

export const selfRecord = async (ctx: ChatContext): Promise<ContactRecord> =>
  (await ctx.repo.loadContact(ctx.me)) ?? emptyContact(ctx.handle);

/**
 * At start, before any connection: the account key kept here, and whether the list accepted last
 * certifies this device, so a restarted device that was certified shows so while offline.
 */
export async function restoreOwnTrust(ctx: ChatContext): Promise<void> {
  const stored = await ctx.repo.loadAccountKey();
  if (stored === undefined) return;
  ctx.accountKey = { publicKey: stored.publicKey, secretKey: stored.secretKey };
  const self = await selfRecord(ctx);
  const mine = self.certified[ctx.device?.device ?? ''];
  if (ctx.identity !== null && mine?.signingKey === encodeHex(ctx.identity.signingPublicKey)) {
    ctx.ownTrust = 'certified';
  }
}

/** Runs on every connection once the device is registered, and when the relay says it changed. */
export async function establishOwnTrust(ctx: ChatContext): Promise<void> {
  if (ctx.device?.device === null || ctx.device?.uploaded !== true) return;
  let served = await fetchServedTrust(ctx, ctx.handle);
  if (ctx.accountKey === null) {
    const opened = await openSealedAccountKey(ctx, served);
    if (opened !== null) await adoptAccountKey(ctx, opened);
    else if (served.accountKey === null && (await createAccountKey(ctx))) {
      served = await fetchServedTrust(ctx, ctx.handle);
    }
  }
  if (ctx.accountKey === null) {
    if (ctx.ownTrust !== 'key-changed') setOwnTrust(ctx, 'waiting-for-approval');
    return;
  }
  await certifySelf(ctx, served);
  if (ctx.ownTrust === 'certified') await sealForPasskey(ctx);
}

/** Pins the account key this device now holds (rule 1) and keeps it with the device's keys. */
export async function adoptAccountKey(ctx: ChatContext, pair: AccountKeyPair): Promise<void> {
  const stored = await ctx.repo.loadAccountKey();
  const signedVersion = stored !== undefined && eq(stored.publicKey, pair.publicKey);
  await ctx.repo.saveAccountKey({
    publicKey: pair.publicKey,
    secretKey: pair.secretKey,
    signedVersion: signedVersion ? stored.signedVersion : 0,
  });
  ctx.accountKey = { publicKey: pair.publicKey, secretKey: pair.secretKey };
  const self = await selfRecord(ctx);
  const key = encodeHex(pair.publicKey);
  if (self.accountKey !== key) {
    await saveContact(ctx, pinAccountKey(self, key));
  }
}

const eq = (a: Uint8Array, b: Uint8Array): boolean => encodeHex(a) === encodeHex(b);

/**
 * The account's first device: a new account key, certifying this device in list version 1.
 * False if another device of the account published its key first (ACCOUNT_KEY_MISMATCH): this
 * one then forgets its own and waits to be approved or to open the other's.
 */
async function createAccountKey(ctx: ChatContext): Promise<boolean> {
  await adoptAccountKey(ctx, generateAccountKey(ctx.sodium));
  try {
    await publishList(ctx, await selfRecord(ctx), [certifyThisDevice(ctx)], false);
    return true;
  } catch (error) {
    if (!(error instanceof DeliveryError && error.code === 'ACCOUNT_KEY_MISMATCH')) throw error;
    await ctx.repo.deleteAccountKey();
    await saveContact(ctx, emptyContact(ctx.handle));
    ctx.accountKey = null;
    return false;
  }
}

/**
 * The account key sealed under this session's passkey (§1.15.7, synced passkey): opened with
 * the PRF output, and taken only if it is the key the relay serves for this handle; another
 * one is a key change to show, not to accept.
 */
async function openSealedAccountKey(
  ctx: ChatContext,
  served: AccountTrust,
): Promise<AccountKeyPair | null> {
  if (served.accountKey === null) return null;
  const secret = await ctx.accountKeySecret();
  if (secret === null) return null;
  const { credential, sealed } = await requireTransport(ctx).fetchSealedKey();
  if (sealed === null || credential !== secret.credential) return null;
  let pair: AccountKeyPair;
  try {
    pair = openAccountKey(ctx.sodium, sealed, secret.prfOutput, {
      accountId: ctx.accountId,
      credentialId: credential,
    });
  } catch (error) {
    if (!isCryptoError(error)) throw error;
    ctx.report({ kind: 'task-failed', task: 'open sealed account key', error });
    return null;
  }
  if (!eq(pair.publicKey, served.accountKey)) {
    setOwnTrust(ctx, 'key-changed');
    return null;
  }
  return pair;
}

/** This device's certificate under the account key it holds, made now. */
export function certifyThisDevice(ctx: ChatContext): DeviceCertificate {
  const pair = ctx.accountKey;
  const device = ctx.device?.device ?? null;
  if (pair === null || device === null) throw new Error('no account key or device id');
  const identity = requireIdentity(ctx);
  return certifyDevice(ctx.sodium, pair.secretKey, {
    deviceId: device,
    signingPublicKey: identity.signingPublicKey,
    dhPublicKey: identity.dhPublicKey,
    createdAt: ctx.now(),
  });
}

/** Accepts the served list under the held key; if it does not name this device, adds it. */
async function certifySelf(ctx: ChatContext, served: AccountTrust): Promise<void> {
  const before = await selfRecord(ctx);
  const device = ctx.device?.device ?? '';
  const self = await applyServedTrust(ctx, before, served);
  if (before.certified[device] !== undefined && self.certified[device] === undefined) {
    // A newer list of the account left this device out: it was revoked. It forgets the key
    // rather than certify itself again.
    await ctx.repo.deleteAccountKey();
    ctx.accountKey = null;
    setOwnTrust(ctx, 'waiting-for-approval');
    return;
  }
  if (self.offeredAccountKey !== null) {
    // Someone replaced the account key at the relay: shown, and this device keeps its own.
    setOwnTrust(ctx, 'key-changed');
    return;
  }
  const mine = self.certified[device];
  if (mine?.signingKey === encodeHex(requireIdentity(ctx).signingPublicKey)) {
    setOwnTrust(ctx, 'certified');
    return;
  }
  await publishList(ctx, self, [certifyThisDevice(ctx)], false);
}

/**
 * Signs the next list: the accepted one's devices plus `added` (§1.15.3). The version is stored
 * before publishing; the list is accepted here once the relay has it.
 */
export async function publishList(
  ctx: ChatContext,
  current: ContactRecord,
  added: readonly DeviceCertificate[],
  replace: boolean,
  removed: readonly string[] = [],
): Promise<ContactRecord> {
  const pair = ctx.accountKey;
  const stored = await ctx.repo.loadAccountKey();
  if (pair === null || stored === undefined) throw new Error('no account key');
  let self = current;
  if (!replace) {
    // The next list starts from the newest one the relay serves: signed from an older one, it
    // would be refused as stale, or drop (and so revoke) a device certified meanwhile.
    self = await applyServedTrust(ctx, self, await fetchServedTrust(ctx, ctx.handle));
  }
  const version = replace ? 1 : Math.max(stored.signedVersion, self.listVersion) + 1;
  const addedIds = new Set([...added.map((c) => c.deviceId), ...removed]);
  const kept = replace
    ? []
    : Object.entries(self.certified).filter(([device]) => !addedIds.has(device));
  const certified = {
    ...Object.fromEntries(kept),
    ...Object.fromEntries(added.map((c) => [c.deviceId, certifiedEntry(c)])),
  };
  const list = signDeviceList(ctx.sodium, pair.secretKey, {
    handle: ctx.me,
    version,
    issuedAt: ctx.now(),
    devices: Object.entries(certified).map(([deviceId, entry]) => ({
      deviceId,
      certificateHash: decodeHex(entry.hash),
    })),
  });
  await ctx.repo.saveAccountKey({ ...stored, signedVersion: version });
  await commit(ctx);
  const upload = {
    accountKey: Uint8Array.from(pair.publicKey),
    list: Uint8Array.from(list.bytes),
    certificates: added.map((c) => Uint8Array.from(c.bytes)),
    replaceAccountKey: replace,
  };
  await withUserVerification(ctx, () => requireTransport(ctx).publishTrust(upload));
  const next: ContactRecord = {
    ...self,
    accountKey: encodeHex(pair.publicKey),
    offeredAccountKey: null,
    listVersion: version,
    list: list.bytes,
    certified,
  };
  await saveContact(ctx, next);
  if (next.certified[ctx.device?.device ?? ''] !== undefined) setOwnTrust(ctx, 'certified');
  return next;
}

/**
 * Starts the account over under a new account key certifying only this device (§2.9,
 * `replaceAccountKey`): every contact sees a key change, and the relay revokes the other devices
 * (the new list drops them): each must join the account again.
 */
export async function replaceAccountKey(ctx: ChatContext): Promise<void> {
  await adoptAccountKey(ctx, generateAccountKey(ctx.sodium));
  await publishList(ctx, await selfRecord(ctx), [certifyThisDevice(ctx)], true);
  await sealForPasskey(ctx);
}

/**
 * Revokes a device of this account (§1.15.3): the next list no longer names it, so every client
 * that accepts the list stops encrypting to it and drops its sessions; the relay revokes it too
 * (§2.9). Not this device itself.
 */
export async function revokeOwnDevice(ctx: ChatContext, device: string): Promise<void> {
  if (ctx.ownTrust !== 'certified') throw new ChatError('NOT_CERTIFIED');
  if (device === ctx.device?.device) throw new ChatError('UNKNOWN_DEVICE');
  const self = await publishList(ctx, await selfRecord(ctx), [], false, [device]);
  await ctx.repo.deleteSession(device);
  const devices = Object.fromEntries(Object.entries(self.devices).filter(([id]) => id !== device));
  await saveContact(ctx, { ...self, devices });
}
