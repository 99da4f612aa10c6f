import { handleKey } from '@vaultroom/shared';
import { randomBytes } from 'node:crypto';
import {
  encodePrekeyBundle,
  verifyPrekeySignature,
  type PrekeyBundle,
} from '@vaultroom/shared/crypto';
import { ProtocolError, type ClientFrame } from '@vaultroom/shared/protocol';
import { sql } from 'kysely';
import sodium from 'libsodium-wrappers';
import { recordSecurityEvent } from '../audit/recordSecurityEvent.js';
import type { Caller, DeliveryContext } from './DeliveryContext.js';

type Frame<T extends ClientFrame['t']> = Extract<ClientFrame, { t: T }>;

function requireDevice(caller: Caller): string {
  if (caller.deviceId === null) throw new ProtocolError('DEVICE_REQUIRED');
  return caller.deviceId;
}

/** A refused signature never reaches the database: clients verify again, but garbage stops here. */
function checkSignature(
  signingKey: Uint8Array,
  kind: 'identityDh' | 'signedPrekey' | 'pqPrekey',
  id: number,
  publicKey: Uint8Array,
  signature: Uint8Array,
): void {
  try {
    verifyPrekeySignature(sodium, signingKey, kind, id, publicKey, signature);
  } catch {
    throw new ProtocolError('BAD_KEY_RECORD', `${kind} signature does not verify`);
  }
}

/** A live (not revoked) device of the caller's account, by id. */
async function ownDevice(ctx: DeliveryContext, caller: Caller, deviceId: string) {
  const device = await ctx.db
    .selectFrom('devices')
    .selectAll()
    .where('id', '=', deviceId)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  if (device === undefined) throw new ProtocolError('UNKNOWN_DEVICE');
  if (device.account_id !== caller.accountId) throw new ProtocolError('FORBIDDEN');
  return device;
}

/** Checks a device named in `hello` belongs to this session's account and is not revoked. */
export async function checkHelloDevice(
  ctx: DeliveryContext,
  caller: Caller,
  deviceId: string,
): Promise<void> {
  await ownDevice(ctx, caller, deviceId);
  await ctx.db
    .updateTable('devices')
    .set({ last_seen_at: ctx.now() })
    .where('id', '=', deviceId)
    .execute();
  // Written only when it changes, which a reconnect of the same session never does: an update
  // that matches no row commits nothing, so a reconnect costs one durable write, not two. (Not a
  // transaction around both: held across awaits, it would hold up the delivery group commit.)
  await ctx.db
    .updateTable('sessions')
    .set({ device_id: deviceId })
    .where('id', '=', caller.sessionId)
    .where('device_id', 'is not', deviceId)
    .execute();
}

export async function registerDevice(
  ctx: DeliveryContext,
  caller: Caller,
  frame: Frame<'register-device'>,
): Promise<string> {
  await sodium.ready;
  const { identity } = frame;
  checkSignature(
    identity.signingPublicKey,
    'identityDh',
    0,
    identity.dhPublicKey,
    identity.dhSignature,
  );
  let id = randomBytes(12).toString('base64url');
  await ctx.db.transaction().execute(async (trx) => {
    const taken = await trx
      .selectFrom('devices')
      .select(['id', 'account_id', 'revoked_at'])
      .where('signing_key', '=', identity.signingPublicKey)
      .executeTakeFirst();
    if (taken !== undefined) {
      // The session that registered this key asking again: its answer was lost (a reload or a
      // dropped socket between commit and reply). It gets the same device back; anyone else,
      // even another session of the same account, is refused.
      const session = await trx
        .selectFrom('sessions')
        .select('device_id')
        .where('id', '=', caller.sessionId)
        .executeTakeFirst();
      const retried =
        taken.account_id === caller.accountId &&
        taken.revoked_at === null &&
        session?.device_id === taken.id;
      if (!retried) throw new ProtocolError('BAD_KEY_RECORD', 'identity key already registered');
      id = taken.id;
      return;
    }
    await trx
      .insertInto('devices')
      .values({
        id,
        account_id: caller.accountId,
        name: frame.name,
        signing_key: identity.signingPublicKey,
        dh_key: identity.dhPublicKey,
        dh_signature: identity.dhSignature,
        created_at: ctx.now(),
        last_seen_at: ctx.now(),
        revoked_at: null,
      })
      .execute();
    await trx
      .updateTable('sessions')
      .set({ device_id: id })
      .where('id', '=', caller.sessionId)
      .execute();
    await recordSecurityEvent(trx, {
      type: 'device_added',
      outcome: 'success',
      actorAccountId: caller.accountId,
      actorDeviceId: id,
      target: id,
    });
  });
  return id;
}

/** Stores verified prekeys and returns how many one-time prekeys the device now has. */
export async function uploadPrekeys(
  ctx: DeliveryContext,
  caller: Caller,
  frame: Frame<'upload-prekeys'>,
): Promise<number> {
  await sodium.ready;
  const device = await ownDevice(ctx, caller, requireDevice(caller));
  const key = device.signing_key;
  if (frame.signedPrekey !== null) {
    const { id, publicKey, signature } = frame.signedPrekey;
    checkSignature(key, 'signedPrekey', id, publicKey, signature);
  }
  if (frame.pqPrekey !== null) {
    const { id, publicKey, signature } = frame.pqPrekey;
    checkSignature(key, 'pqPrekey', id, publicKey, signature);
  }
  const now = ctx.now();
  return ctx.db.transaction().execute(async (trx) => {
    for (const [table, prekey] of [
      ['signed_prekeys', frame.signedPrekey],
      ['pq_prekeys', frame.pqPrekey],
    ] as const) {
      if (prekey === null) continue;
      await trx
        .insertInto(table)
        .values({
          device_id: device.id,
          prekey_id: prekey.id,
          public_key: prekey.publicKey,
          signature: prekey.signature,
          uploaded_at: now,
        })
        .onConflict((oc) => oc.columns(['device_id', 'prekey_id']).doNothing())
        .execute();
      // Superseded prekeys stay for a grace period: first messages in flight may still use them.
      await trx
        .deleteFrom(table)
        .where('device_id', '=', device.id)
        .where('prekey_id', '!=', prekey.id)
        .where('uploaded_at', '<', now - ctx.settings.prekeyGraceMs)
        .execute();
    }
    for (const prekey of frame.oneTimePrekeys) {
      await trx
        .insertInto('one_time_prekeys')
        .values({ device_id: device.id, prekey_id: prekey.id, public_key: prekey.publicKey })
        .onConflict((oc) => oc.columns(['device_id', 'prekey_id']).doNothing())
        .execute();
    }
    const { n } = await trx
      .selectFrom('one_time_prekeys')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('device_id', '=', device.id)
      .executeTakeFirstOrThrow();
    return n;
  });
}

export interface BundleOfDevice {
  readonly device: string;
  readonly bundle: Uint8Array<ArrayBuffer>;
}

/**
 * One bundle per live device of an account, each with a one-time prekey when one is left. The
 * claim is one DELETE … RETURNING statement, so under concurrent fetches every one-time prekey
 * goes to exactly one caller (SQLite runs writes one at a time).
 */
export async function fetchBundles(
  ctx: DeliveryContext,
  handle: string,
  onLow: (deviceId: string, remaining: number) => void,
): Promise<BundleOfDevice[]> {
  const account = await ctx.db
    .selectFrom('accounts')
    .select('id')
    .where('handle_key', '=', handleKey(handle))
    .where('status', '=', 'active')
    .executeTakeFirst();
  if (account === undefined) throw new ProtocolError('UNKNOWN_ACCOUNT');
  const devices = await ctx.db
    .selectFrom('devices')
    .selectAll()
    .where('account_id', '=', account.id)
    .where('revoked_at', 'is', null)
    .orderBy('created_at')
    .execute();
  const bundles: BundleOfDevice[] = [];
  for (const device of devices) {
    const newest = async (table: 'signed_prekeys' | 'pq_prekeys') =>
      ctx.db
        .selectFrom(table)
        .selectAll()
        .where('device_id', '=', device.id)
        .orderBy('uploaded_at', 'desc')
        .orderBy('prekey_id', 'desc')
        .limit(1)
        .executeTakeFirst();
    const signed = await newest('signed_prekeys');
    const pq = await newest('pq_prekeys');
    if (signed === undefined || pq === undefined) continue; // not ready to receive yet
    const claimed = await claimOneTimePrekey(ctx, device.id);
    const bundle: PrekeyBundle = {
      identity: {
        signingPublicKey: device.signing_key,
        dhPublicKey: device.dh_key,
        dhSignature: device.dh_signature,
      },
      signedPrekey: {
        id: signed.prekey_id,
        publicKey: signed.public_key,
        signature: signed.signature,
      },
      pqPrekey: { id: pq.prekey_id, publicKey: pq.public_key, signature: pq.signature },
      ...(claimed === null ? {} : { oneTimePrekey: claimed }),
    };
    bundles.push({ device: device.id, bundle: Uint8Array.from(encodePrekeyBundle(bundle)) });
    const remaining = await countOneTimePrekeys(ctx, device.id);
    if (remaining < ctx.settings.lowPrekeyThreshold) onLow(device.id, remaining);
  }
  return bundles;
}

async function claimOneTimePrekey(
  ctx: DeliveryContext,
  deviceId: string,
): Promise<{ id: number; publicKey: Uint8Array } | null> {
  const { rows } = await sql<{ prekey_id: number; public_key: Uint8Array }>`
    DELETE FROM one_time_prekeys
    WHERE rowid = (SELECT rowid FROM one_time_prekeys WHERE device_id = ${deviceId} ORDER BY prekey_id LIMIT 1)
    RETURNING prekey_id, public_key`.execute(ctx.db);
  const row = rows[0];
  return row === undefined ? null : { id: row.prekey_id, publicKey: row.public_key };
}

export async function countOneTimePrekeys(ctx: DeliveryContext, deviceId: string): Promise<number> {
  const { n } = await ctx.db
    .selectFrom('one_time_prekeys')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('device_id', '=', deviceId)
    .executeTakeFirstOrThrow();
  return n;
}

export async function listDevices(ctx: DeliveryContext, caller: Caller) {
  const rows = await ctx.db
    .selectFrom('devices')
    .select(['id', 'name', 'created_at', 'last_seen_at'])
    .where('account_id', '=', caller.accountId)
    .where('revoked_at', 'is', null)
    .orderBy('created_at')
    .execute();
  return rows.map((row) => ({
    device: row.id,
    name: row.name,
    createdAt: row.created_at,
    lastSeenAt: row.last_seen_at,
    current: row.id === caller.deviceId,
  }));
}

/**
 * Which account owns each of these devices, so a recipient can name an envelope's sender. Any
 * signed-in device may ask: handles are what people type to start a conversation anyway, and
 * device ids are random. Unknown ids are left out.
 */
export async function lookupDevices(ctx: DeliveryContext, deviceIds: readonly string[]) {
  const rows = await ctx.db
    .selectFrom('devices')
    .innerJoin('accounts', 'accounts.id', 'devices.account_id')
    .select(['devices.id as device', 'accounts.handle as account', 'devices.revoked_at'])
    .where('devices.id', 'in', [...new Set(deviceIds)])
    .execute();
  return rows.map((row) => ({
    device: row.device,
    account: row.account,
    revoked: row.revoked_at !== null,
  }));
}

export async function renameDevice(
  ctx: DeliveryContext,
  caller: Caller,
  frame: Frame<'rename-device'>,
): Promise<void> {
  await ownDevice(ctx, caller, frame.device);
  await ctx.db
    .updateTable('devices')
    .set({ name: frame.name })
    .where('id', '=', frame.device)
    .execute();
}

/**
 * Revokes a device: its mailbox and prekeys are deleted, and the sessions it was signed in with
 * end (their sockets close). Returns those sessions.
 */
export async function revokeDevice(
  ctx: DeliveryContext,
  caller: Caller,
  deviceId: string,
): Promise<string[]> {
  await ownDevice(ctx, caller, deviceId);
  return ctx.db.transaction().execute(async (trx) => {
    const now = ctx.now();
    await trx.updateTable('devices').set({ revoked_at: now }).where('id', '=', deviceId).execute();
    await trx.deleteFrom('envelopes').where('recipient_device_id', '=', deviceId).execute();
    for (const table of ['one_time_prekeys', 'signed_prekeys', 'pq_prekeys'] as const) {
      await trx.deleteFrom(table).where('device_id', '=', deviceId).execute();
    }
    const sessions = await trx
      .selectFrom('sessions')
      .select('id')
      .where('device_id', '=', deviceId)
      .where('ended_at', 'is', null)
      .execute();
    await trx
      .updateTable('sessions')
      .set({ ended_at: new Date(now).toISOString(), end_reason: 'device-revoked' })
      .where('id', 'in', sessions.length === 0 ? [''] : sessions.map((row) => row.id))
      .execute();
    await recordSecurityEvent(trx, {
      type: 'device_revoked',
      outcome: 'success',
      actorAccountId: caller.accountId,
      actorDeviceId: caller.deviceId,
      target: deviceId,
      details: { sessionsEnded: sessions.length },
    });
    return sessions.map((row) => row.id);
  });
}
