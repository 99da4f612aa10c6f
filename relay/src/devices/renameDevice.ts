import { type ClientFrame } from '@vaultroom/shared/protocol';
import type { Caller, DeliveryContext } from '../delivery/DeliveryContext.js';
import { ownDevice } from './deviceChecks.js';
import { changes } from '../db/WriteStore.js';

type Frame<T extends ClientFrame['t']> = Extract<ClientFrame, { t: T }>;

export async function renameDevice(
  ctx: DeliveryContext,
  caller: Caller,
  frame: Frame<'rename-device'>,
): Promise<void> {
  await ctx.writes.write(function* (tx) {
    yield* ownDevice(tx, caller, frame.device);
    yield* changes(
      tx.db.updateTable('devices').set({ name: frame.name }).where('id', '=', frame.device),
    );
  });
}
