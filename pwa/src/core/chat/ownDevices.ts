import { encodeHex } from '@vaultroom/shared';
import { decodePrekeyBundle } from '@vaultroom/shared/crypto';
import { emit, requireTransport, type ChatContext } from './ChatContext.js';
import type { OwnDevice } from './ChatEngine.js';
import { ChatError } from './ChatError.js';
import { applyServedTrust, fetchServedTrust } from './accountTrust.js';
import { revokeOwnDevice, selfRecord } from './ownTrust.js';
import { withUserVerification } from './passkeySeal.js';

/**
 * The devices of this account as the relay lists them (name, dates), each with whether the
 * account's accepted list certifies it under the keys the relay serves for it (§1.15.6). The
 * relay's word says which devices exist; only the account key's says which are approved.
 */
export async function listOwnDevices(ctx: ChatContext): Promise<OwnDevice[]> {
  const transport = requireTransport(ctx);
  const { devices } = await transport.listDevices();
  const self = await applyServedTrust(
    ctx,
    await selfRecord(ctx),
    await fetchServedTrust(ctx, ctx.handle),
  );
  const { bundles } = await transport.fetchBundles(ctx.handle);
  const keys = new Map(
    bundles.map(({ device, bundle }) => [
      device,
      encodeHex(decodePrekeyBundle(bundle).identity.signingPublicKey),
    ]),
  );
  const own = ctx.device?.device ?? null;
  const listed = devices.map((listedDevice): OwnDevice => {
    const certified = self.certified[listedDevice.device];
    const key = keys.get(listedDevice.device);
    const current = listedDevice.device === own;
    // Without the account key, no list is accepted here: only this device's own standing is known.
    const approved =
      ctx.accountKey === null
        ? current
          ? ctx.ownTrust === 'certified'
          : null
        : certified !== undefined && (key === undefined || certified.signingKey === key);
    return {
      device: listedDevice.device,
      name: listedDevice.name,
      createdAt: listedDevice.createdAt,
      lastSeenAt: listedDevice.lastSeenAt,
      current,
      approved,
    };
  });
  if (ctx.accountKey !== null) {
    const waiting = listed.filter((d) => d.approved === false && !d.current).map((d) => d.device);
    emit(ctx, { kind: 'devices-waiting', devices: waiting });
  }
  return listed;
}

/** Renames a device of this account: its name is the relay's, for the account's own lists. */
export async function renameOwnDevice(
  ctx: ChatContext,
  device: string,
  name: string,
): Promise<void> {
  await requireTransport(ctx).renameDevice(device, name);
}

/**
 * Removes a device of this account. One the accepted list certifies is left out of a newer list
 * (the relay revokes a device its list drops, §2.9); one it never certified (waiting, or added
 * by someone else) is not in any list, so the relay is asked to revoke it (§2.4
 * `revoke-device`). Either way its mailbox and prekeys go, and its sessions end.
 */
export async function removeOwnDevice(ctx: ChatContext, device: string): Promise<void> {
  if (ctx.ownTrust !== 'certified') throw new ChatError('NOT_CERTIFIED');
  if (device === ctx.device?.device) throw new ChatError('UNKNOWN_DEVICE');
  const self = await applyServedTrust(
    ctx,
    await selfRecord(ctx),
    await fetchServedTrust(ctx, ctx.handle),
  );
  if (self.certified[device] !== undefined) {
    await revokeOwnDevice(ctx, device);
    return;
  }
  await withUserVerification(ctx, () => requireTransport(ctx).revokeDevice(device));
  await ctx.repo.deleteSession(device);
}
