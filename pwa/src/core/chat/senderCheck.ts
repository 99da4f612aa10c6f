import { connected, type ChatContext } from './ChatContext.js';
import type { ContactRecord } from './chatRecords.js';
import { applyServedTrust, fetchServedTrust, isCertified } from './accountTrust.js';
import { saveContact } from './contactStore.js';

/**
 * PROTOCOL.md §1.15.6 rule 5: content counts only from a device whose session's remote identity
 * key (bound into every message's associated data, §1.6.3) is the key its account's accepted
 * list certifies for it. Otherwise the list is fetched once more (the device may be new), then
 * the content is refused: null. The relay's word on whose device it is (`lookup-devices`) only
 * says which account's list to look in.
 */
export async function certifiedSender(
  ctx: ChatContext,
  contact: ContactRecord,
  device: string,
  remoteKey: string,
): Promise<ContactRecord | null> {
  let current = contact;
  if (!isCertified(current, device, remoteKey) && connected(ctx)) {
    try {
      current = await applyServedTrust(ctx, current, await fetchServedTrust(ctx, current.handle));
    } catch (error) {
      ctx.report({ kind: 'task-failed', task: 'fetch device list', error });
    }
  }
  if (!isCertified(current, device, remoteKey)) return null;
  // A certified device that wrote first: its session is in place, so it is written back to.
  if (current.devices[device] !== remoteKey && current.offeredAccountKey === null) {
    current = { ...current, devices: { ...current.devices, [device]: remoteKey } };
    await saveContact(ctx, current);
  }
  return current;
}
