import { encodeHex } from '@vaultroom/shared';
import {
  certifyDevice,
  confirmLinkCode,
  createLinkOffer,
  decodeLinkOffer,
  decodePrekeyBundle,
  initiateSession,
  isCryptoError,
  publicIdentity,
  verifyAccountDevices,
  type PrekeyBundle,
} from '@vaultroom/shared/crypto';
import {
  connected,
  emit,
  requireIdentity,
  requireTransport,
  type ChatContext,
} from './ChatContext.js';
import type { WaitingDevice } from './ChatEngine.js';
import { ChatError } from './ChatError.js';
import { applyServedTrust, fetchServedTrust } from './accountTrust.js';
import { saveContact } from './contactStore.js';
import { adoptAccountKey, publishList, selfRecord, setOwnTrust } from './ownTrust.js';
import { sealForPasskey } from './passkeySeal.js';
import { sendControl } from './sendPipeline.js';

/**
 * Linking a device from an existing one with the typed code (PROTOCOL.md §1.15.7): the new
 * device shows the code of its offer; the existing device builds the offer from the keys the
 * relay serves for that device, certifies it only if the person typed the same code, publishes
 * the list naming it, and sends it the account key over their pairwise session.
 */

/**
 * The waiting device's code, in four groups of four, or null once it is certified. A device
 * whose account key was replaced elsewhere (`key-changed`) can be approved under the new one.
 */
export function linkCode(ctx: ChatContext): string | null {
  const device = ctx.device?.device ?? null;
  if (device === null || ctx.ownTrust === 'certified' || ctx.ownTrust === 'unknown') return null;
  const { code } = createLinkOffer(ctx.sodium, device, publicIdentity(requireIdentity(ctx)));
  return code.replace(/(.{4})(?=.)/g, '$1-');
}

/** This account's devices, as the relay lists them, keyed by id with their bundles. */
async function ownBundles(ctx: ChatContext): Promise<Map<string, PrekeyBundle>> {
  const { bundles } = await requireTransport(ctx).fetchBundles(ctx.handle);
  const own = ctx.device?.device ?? null;
  return new Map(
    bundles
      .filter(({ device }) => device !== own)
      .map(({ device, bundle }) => [device, decodePrekeyBundle(bundle)]),
  );
}

/** Devices the relay lists for this account that its accepted list does not certify. */
export async function devicesWaiting(ctx: ChatContext): Promise<WaitingDevice[]> {
  if (ctx.accountKey === null || !connected(ctx)) return [];
  const self = await applyServedTrust(
    ctx,
    await selfRecord(ctx),
    await fetchServedTrust(ctx, ctx.handle),
  );
  const waiting: WaitingDevice[] = [];
  for (const [device, bundle] of await ownBundles(ctx)) {
    const certified = self.certified[device];
    if (certified?.signingKey !== encodeHex(bundle.identity.signingPublicKey)) {
      waiting.push({ device });
    }
  }
  emit(ctx, { kind: 'devices-waiting', devices: waiting.map((w) => w.device) });
  return waiting;
}

export async function approveDevice(
  ctx: ChatContext,
  device: string,
  typed: string,
): Promise<void> {
  const pair = ctx.accountKey;
  if (pair === null || ctx.ownTrust !== 'certified') throw new ChatError('NOT_CERTIFIED');
  const bundle = (await ownBundles(ctx)).get(device);
  if (bundle === undefined) throw new ChatError('UNKNOWN_DEVICE');
  // The offer from the relay's keys for that device: IK's signature over IKd and IKd's order
  // are checked (decodeLinkOffer), then the code the person read on the device itself.
  const offer = decodeLinkOffer(
    ctx.sodium,
    createLinkOffer(ctx.sodium, device, bundle.identity).bytes,
  );
  if (!confirmLinkCode(offer, typed)) throw new ChatError('WRONG_CODE');
  const certificate = certifyDevice(ctx.sodium, pair.secretKey, {
    deviceId: device,
    signingPublicKey: offer.identity.signingPublicKey,
    dhPublicKey: offer.identity.dhPublicKey,
    createdAt: ctx.now(),
  });
  let self = await publishList(ctx, await selfRecord(ctx), [certificate], false);
  await ctx.repo.sessions.storeSession(
    device,
    initiateSession(ctx.sodium, requireIdentity(ctx), bundle, ctx.now()),
  );
  await ctx.repo.saveDeviceOwner(device, ctx.me);
  self = {
    ...self,
    devices: { ...self.devices, [device]: encodeHex(offer.identity.signingPublicKey) },
  };
  await saveContact(ctx, self);
  await sendControl(ctx, [device], { type: 'accountKey', seed: pair.secretKey.slice(0, 32) });
}

/**
 * The account key, sent by the device that approved this one. The sender cannot be checked
 * before the key is known, so the key is taken only if the relay serves it for this handle and
 * its accepted list certifies both this device (with its own keys) and the sender (§1.15.7).
 */
export async function receiveAccountKey(
  ctx: ChatContext,
  fromDevice: string,
  remoteKey: string,
  seed: Uint8Array,
): Promise<void> {
  if (ctx.ownTrust === 'certified') return;
  const pair = ctx.sodium.crypto_sign_seed_keypair(seed);
  const served = await fetchServedTrust(ctx, ctx.handle);
  const own = ctx.device?.device ?? '';
  const identity = requireIdentity(ctx);
  try {
    if (served.accountKey === null || encodeHex(served.accountKey) !== encodeHex(pair.publicKey)) {
      throw new ChatError('NOT_CERTIFIED', 'the account key is not the one the relay serves');
    }
    if (served.list === null) throw new ChatError('NOT_CERTIFIED', 'no device list');
    const { devices } = verifyAccountDevices(
      ctx.sodium,
      pair.publicKey,
      { list: served.list, certificates: served.certificates },
      { handle: ctx.me },
    );
    const mine = devices.find((d) => d.deviceId === own);
    const sender = devices.find((d) => d.deviceId === fromDevice);
    if (
      mine === undefined ||
      encodeHex(mine.signingPublicKey) !== encodeHex(identity.signingPublicKey) ||
      encodeHex(mine.dhPublicKey) !== encodeHex(identity.dhPublicKey) ||
      sender === undefined ||
      encodeHex(sender.signingPublicKey) !== remoteKey
    ) {
      throw new ChatError('NOT_CERTIFIED', 'the list does not certify this device and the sender');
    }
  } catch (error) {
    if (!(error instanceof ChatError) && !isCryptoError(error)) throw error;
    ctx.report({ kind: 'task-failed', task: 'take the account key', error });
    return;
  }
  await adoptAccountKey(ctx, { publicKey: pair.publicKey, secretKey: pair.privateKey });
  await applyServedTrust(ctx, await selfRecord(ctx), served);
  setOwnTrust(ctx, 'certified');
  await sealForPasskey(ctx);
}
