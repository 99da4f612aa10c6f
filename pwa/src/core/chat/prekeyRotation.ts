import {
  decodePqPrekey,
  decodeSignedPrekey,
  encodePqPrekey,
  encodeSignedPrekey,
  generatePqPrekey,
  generateSignedPrekey,
  prekeysToRetire,
  verifyPrekeySignature,
  type PqPrekeyPair,
  type SignedPrekeyPair,
} from '@vaultroom/shared/crypto';
import { requireIdentity, requireTransport, type ChatContext } from './ChatContext.js';
import type { DeviceRecord } from './chatRecords.js';

/*
 * Signed and X-Wing prekeys rotate (PROTOCOL.md §1.4.4): a new pair every 7 days, the old one
 * kept 30 days after its successor (first messages still in mailboxes need it), then deleted
 * with the handshake ids that used it. Until a key is deleted, its secret opens every first
 * message made with it; after, none: that is what bounds the loss if this device's store leaks.
 */

/** The wire schema wants bytes over a plain ArrayBuffer. */
const copy = (bytes: Uint8Array): Uint8Array<ArrayBuffer> => Uint8Array.from(bytes);

/** A signed or X-Wing prekey as the upload frame carries it, creation time included (§1.4.1). */
export const publishedFrame = (prekey: SignedPrekeyPair | PqPrekeyPair) => ({
  id: prekey.id,
  createdAt: prekey.createdAt,
  publicKey: copy(prekey.publicKey),
  signature: copy(prekey.signature),
});

/**
 * Keys made before protocol version 5 were signed without their creation time: the relay
 * refuses them and no sender accepts them, so they are replaced at once.
 */
function signedWithDate(
  ctx: ChatContext,
  kind: 'signedPrekey' | 'pqPrekey',
  prekey: SignedPrekeyPair | PqPrekeyPair,
): boolean {
  const { id, createdAt, publicKey, signature } = prekey;
  const identity = requireIdentity(ctx).signingPublicKey;
  try {
    verifyPrekeySignature(ctx.sodium, identity, { kind, id, createdAt }, publicKey, signature);
    return true;
  } catch {
    return false;
  }
}

const undated = (ctx: ChatContext, signed: SignedPrekeyPair, pq: PqPrekeyPair): boolean =>
  !signedWithDate(ctx, 'signedPrekey', signed) || !signedWithDate(ctx, 'pqPrekey', pq);

/**
 * A device made before dated signatures that never published its keys: nothing can have used
 * them, so they are re-made under the same ids instead of superseded.
 */
export async function redateUnpublished(
  ctx: ChatContext,
  device: DeviceRecord,
): Promise<DeviceRecord> {
  const signed = decodeSignedPrekey(device.signedPrekey);
  const pq = decodePqPrekey(device.pqPrekey);
  if (device.uploaded || !undated(ctx, signed, pq)) return device;
  const identity = requireIdentity(ctx);
  const now = ctx.now();
  const redated: DeviceRecord = {
    ...device,
    signedPrekey: encodeSignedPrekey(generateSignedPrekey(ctx.sodium, identity, signed.id, now)),
    pqPrekey: encodePqPrekey(generatePqPrekey(ctx.sodium, identity, pq.id, now)),
  };
  await saveDevice(ctx, redated);
  return redated;
}

async function saveDevice(ctx: ChatContext, device: DeviceRecord): Promise<void> {
  await ctx.repo.saveDevice(device);
  ctx.device = device;
}

/** Makes the next pair when the current one is due, and keeps the old pair as superseded. */
async function rotateIfDue(ctx: ChatContext, device: DeviceRecord): Promise<DeviceRecord> {
  const signed = decodeSignedPrekey(device.signedPrekey);
  const pq = decodePqPrekey(device.pqPrekey);
  const now = ctx.now();
  if (!prekeysToRetire([signed, pq], now).rotateNow && !undated(ctx, signed, pq)) return device;
  const supersededSigned = (await ctx.repo.superseded.list('signed')).map(decodeSignedPrekey);
  const supersededPq = (await ctx.repo.superseded.list('pq')).map(decodePqPrekey);
  const nextId = (keys: readonly { readonly id: number }[]) =>
    Math.max(...keys.map((key) => key.id)) + 1;
  const identity = requireIdentity(ctx);
  const nextSigned = generateSignedPrekey(
    ctx.sodium,
    identity,
    nextId([signed, ...supersededSigned]),
    now,
  );
  const nextPq = generatePqPrekey(ctx.sodium, identity, nextId([pq, ...supersededPq]), now);
  await ctx.repo.superseded.save('signed', signed.id, device.signedPrekey);
  await ctx.repo.superseded.save('pq', pq.id, device.pqPrekey);
  const rotated: DeviceRecord = {
    ...device,
    signedPrekey: encodeSignedPrekey(nextSigned),
    pqPrekey: encodePqPrekey(nextPq),
    rotatedUploaded: false,
  };
  await saveDevice(ctx, rotated);
  return rotated;
}

/** Deletes superseded prekeys past their grace period, and the handshakes that used them. */
async function retireSuperseded(ctx: ChatContext, device: DeviceRecord): Promise<void> {
  const now = ctx.now();
  const signed = [
    decodeSignedPrekey(device.signedPrekey),
    ...(await ctx.repo.superseded.list('signed')).map(decodeSignedPrekey),
  ];
  const pq = [
    decodePqPrekey(device.pqPrekey),
    ...(await ctx.repo.superseded.list('pq')).map(decodePqPrekey),
  ];
  const retiredSigned = new Set(prekeysToRetire(signed, now).retire);
  for (const id of retiredSigned) await ctx.repo.superseded.delete('signed', id);
  for (const id of prekeysToRetire(pq, now).retire) await ctx.repo.superseded.delete('pq', id);
  if (retiredSigned.size === 0) return;
  // A handshake with a deleted prekey can no longer complete, so its id guards nothing (§1.5.5).
  for (const handshake of await ctx.repo.superseded.listHandshakes()) {
    if (handshake.id !== undefined && retiredSigned.has(handshake.signedPrekeyId)) {
      await ctx.repo.superseded.deleteHandshake(handshake.id);
    }
  }
}

/**
 * On each connection of a registered device: rotates the prekeys when due, publishes a rotated
 * pair until the relay has it (one-time prekeys are not sent again: the relay may have handed
 * them out), and retires what is past its grace.
 */
export async function rotatePrekeys(ctx: ChatContext): Promise<void> {
  const current = ctx.device;
  // Not before the device is registered and its first keys are out (enrol does that).
  if (current === null) return;
  if (current.device === null || !current.uploaded) return;
  const device = await rotateIfDue(ctx, current);
  if (device.rotatedUploaded === false) {
    await requireTransport(ctx).uploadPrekeys({
      signedPrekey: publishedFrame(decodeSignedPrekey(device.signedPrekey)),
      pqPrekey: publishedFrame(decodePqPrekey(device.pqPrekey)),
      oneTimePrekeys: [],
    });
    await saveDevice(ctx, { ...device, rotatedUploaded: true });
  }
  await retireSuperseded(ctx, device);
}
