import {
  decodePqPrekey,
  decodeSignedPrekey,
  encodeIdentityKeyPair,
  encodePqPrekey,
  encodeSignedPrekey,
  generateDeviceKeys,
  generateOneTimePrekeys,
  labels,
  publicIdentity,
  type IdentityKeyPair,
  type OneTimePrekeyPair,
} from '@vaultroom/shared/crypto';
import { requireIdentity, requireTransport, type ChatContext } from './ChatContext.js';
import type { DeviceRecord } from './chatRecords.js';
import { publishedFrame, redateUnpublished, rotatePrekeys } from './prekeyRotation.js';

/** PROTOCOL.md §1.4.4: one-time prekeys made and uploaded per batch. */
const ONE_TIME_PREKEYS = labels.ONE_TIME_PREKEY_BATCH;

/** The wire schema wants bytes over a plain ArrayBuffer. */
const copy = (bytes: Uint8Array): Uint8Array<ArrayBuffer> => Uint8Array.from(bytes);

function identityFrame(identity: IdentityKeyPair) {
  const shown = publicIdentity(identity);
  return {
    signingPublicKey: copy(shown.signingPublicKey),
    dhPublicKey: copy(shown.dhPublicKey),
    dhSignature: copy(shown.dhSignature),
  };
}

const oneTimeFrame = (prekey: OneTimePrekeyPair) => ({
  id: prekey.id,
  publicKey: copy(prekey.publicKey),
});

/** This device's keys as stored, or new ones (PROTOCOL.md §1.4) on its first start. */
export async function openDevice(ctx: ChatContext): Promise<DeviceRecord> {
  const stored = await ctx.repo.loadDevice();
  if (stored !== undefined) return stored;
  const keys = generateDeviceKeys(ctx.sodium, {
    now: ctx.now(),
    oneTimePrekeys: ONE_TIME_PREKEYS,
  });
  await ctx.repo.saveOneTimePrekeys(keys.oneTimePrekeys);
  const created: DeviceRecord = {
    device: null,
    name: ctx.deviceName,
    identity: encodeIdentityKeyPair(keys.identity),
    signedPrekey: encodeSignedPrekey(keys.signedPrekey),
    pqPrekey: encodePqPrekey(keys.pqPrekey),
    nextOneTimePrekeyId: ONE_TIME_PREKEYS + 1,
    uploaded: false,
  };
  await ctx.repo.saveDevice(created);
  return created;
}

/**
 * Registers the device and publishes its prekeys, whichever of the two is not done yet, then
 * rotates its signed and X-Wing prekeys if they are due (run on every connection).
 */
export async function enrol(ctx: ChatContext): Promise<void> {
  const link = requireTransport(ctx);
  let current = ctx.device;
  if (current === null) return;
  if (current.device === null) {
    const registered = await link.registerDevice(current.name, identityFrame(requireIdentity(ctx)));
    current = { ...current, device: registered.device };
    await ctx.repo.saveDevice(current);
    ctx.device = current;
  }
  if (!current.uploaded) {
    current = await redateUnpublished(ctx, current);
    const signed = decodeSignedPrekey(current.signedPrekey);
    const pq = decodePqPrekey(current.pqPrekey);
    const oneTime = await ctx.repo.listOneTimePrekeys();
    await link.uploadPrekeys({
      signedPrekey: publishedFrame(signed),
      pqPrekey: publishedFrame(pq),
      oneTimePrekeys: oneTime.map(oneTimeFrame),
    });
    current = { ...current, uploaded: true };
    await ctx.repo.saveDevice(current);
    ctx.device = current;
  }
  await rotatePrekeys(ctx);
}

/** The relay says few one-time prekeys are left (`prekeys-low`): make and upload more. */
export async function replenishPrekeys(ctx: ChatContext): Promise<void> {
  const current = ctx.device;
  if (current === null) return;
  if (current.device === null) return;
  const fresh: OneTimePrekeyPair[] = generateOneTimePrekeys(
    ctx.sodium,
    current.nextOneTimePrekeyId,
    ONE_TIME_PREKEYS,
  );
  await ctx.repo.saveOneTimePrekeys(fresh);
  const next = { ...current, nextOneTimePrekeyId: current.nextOneTimePrekeyId + fresh.length };
  await ctx.repo.saveDevice(next);
  ctx.device = next;
  await requireTransport(ctx).uploadPrekeys({
    signedPrekey: null,
    pqPrekey: null,
    oneTimePrekeys: fresh.map(oneTimeFrame),
  });
}
