import type { DeliveryContext } from '../delivery/DeliveryContext.js';

export async function countOneTimePrekeys(ctx: DeliveryContext, deviceId: string): Promise<number> {
  const { n } = await ctx.db
    .selectFrom('one_time_prekeys')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('device_id', '=', deviceId)
    .executeTakeFirstOrThrow();
  return n;
}
