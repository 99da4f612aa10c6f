import { handleKey } from '@vaultroom/shared';
import { connected, type ChatContext } from './ChatContext.js';
import { applyServedTrust, fetchServedTrust } from './accountTrust.js';
import { refreshDevices } from './contactDirectory.js';
import { establishOwnTrust } from './ownTrust.js';
import { monitorOwnAccount } from './ownLogMonitor.js';

/**
 * The relay says an account's trust objects changed (`trust-changed`): this account's own are
 * checked as on connecting; a contact's list is fetched and checked (§1.15.6) if it is known.
 */
export async function refreshTrust(ctx: ChatContext, account: string): Promise<void> {
  const id = handleKey(account);
  if (id === ctx.me) {
    await establishOwnTrust(ctx);
    // A device added to the account shows on this one now (devices-waiting), not at the next
    // hourly look at one's own devices.
    const self = await ctx.repo.loadContact(ctx.me);
    if (self !== undefined && connected(ctx)) await refreshDevices(ctx, self);
    // What changed must be in the log, made by this account (§3.9): checked now, not later.
    await monitorOwnAccount(ctx);
    return;
  }
  const contact = await ctx.repo.loadContact(id);
  if (contact === undefined) return;
  await applyServedTrust(ctx, contact, await fetchServedTrust(ctx, contact.handle));
}
