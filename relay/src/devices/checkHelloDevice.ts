import type { Caller, DeliveryContext } from './DeliveryContext.js';
import { ownDevice } from './deviceChecks.js';

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
