import type { DeliveryContext } from '../delivery/DeliveryContext.js';

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
