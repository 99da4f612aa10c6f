import type { Caller, DeliveryContext } from '../delivery/DeliveryContext.js';

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
