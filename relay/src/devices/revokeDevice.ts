import type { Transaction } from 'kysely';
import { recordSecurityEvent } from '../audit/recordSecurityEvent.js';
import type { RelayDatabase } from '../db/schema.js';
import type { Caller, DeliveryContext } from './DeliveryContext.js';
import { ownDevice, requireRecentVerification } from './deviceChecks.js';

/**
 * Revokes a device: its mailbox and prekeys are deleted, and the sessions it was signed in with
 * end (their sockets close). Needs a recent user verification (§2.9). Returns those sessions.
 */
export async function revokeDevice(
  ctx: DeliveryContext,
  caller: Caller,
  deviceId: string,
): Promise<string[]> {
  await ownDevice(ctx, caller, deviceId);
  await requireRecentVerification(ctx, caller);
  return ctx.db
    .transaction()
    .execute(async (trx) => revokeInTransaction(trx, ctx.now(), caller, deviceId, {}));
}

/**
 * The revocation itself, inside the caller's transaction: the device is marked revoked, its
 * mailbox, prekeys and push subscription are deleted, its sessions end, and the event is
 * recorded. Returns the ended sessions, whose sockets the caller closes after commit. Its
 * certificate stays while the account's list names it: clients refuse a list that names a device
 * without its certificate, and the next list cannot name a revoked device.
 */
export async function revokeInTransaction(
  trx: Transaction<RelayDatabase>,
  now: number,
  caller: Caller,
  deviceId: string,
  details: Record<string, number | boolean>,
): Promise<string[]> {
  await trx.updateTable('devices').set({ revoked_at: now }).where('id', '=', deviceId).execute();
  await trx.deleteFrom('envelopes').where('recipient_device_id', '=', deviceId).execute();
  for (const table of [
    'one_time_prekeys',
    'signed_prekeys',
    'pq_prekeys',
    'push_subscriptions',
  ] as const) {
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
    details: { sessionsEnded: sessions.length, ...details },
  });
  return sessions.map((row) => row.id);
}
