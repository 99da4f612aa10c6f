import { type ClientFrame } from '@vaultroom/shared/protocol';
import type { Caller, DeliveryContext } from './DeliveryContext.js';
import { ownDevice } from './deviceChecks.js';

type Frame<T extends ClientFrame['t']> = Extract<ClientFrame, { t: T }>;

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
