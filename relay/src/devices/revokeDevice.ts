import { recordSecurityEvent } from '../audit/recordSecurityEvent.js';
import type { Caller, DeliveryContext } from './DeliveryContext.js';
import { ownDevice } from './deviceChecks.js';

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
