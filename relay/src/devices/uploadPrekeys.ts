import { type ClientFrame } from '@vaultroom/shared/protocol';
import { loadSodium } from '../sodium/loadSodium.js';
import type { Caller, DeliveryContext } from '../delivery/DeliveryContext.js';
import { requireDevice, checkSignature, ownDevice } from './deviceChecks.js';
import { changes, firstOrThrow } from '../db/WriteStore.js';

type Frame<T extends ClientFrame['t']> = Extract<ClientFrame, { t: T }>;

/** Stores verified prekeys and returns how many one-time prekeys the device now has. */
export async function uploadPrekeys(
  ctx: DeliveryContext,
  caller: Caller,
  frame: Frame<'upload-prekeys'>,
): Promise<number> {
  const sodium = await loadSodium();
  const deviceId = requireDevice(caller);
  const now = ctx.now();
  return ctx.writes.write(function* (tx) {
    // The device is read inside the operation, so a revocation cannot slip in between the check
    // and the inserts; the signature checks are synchronous and need its key.
    const device = yield* ownDevice(tx, caller, deviceId);
    const key = device.signing_key;
    if (frame.signedPrekey !== null) {
      const { id, createdAt, publicKey, signature } = frame.signedPrekey;
      checkSignature(sodium, key, { kind: 'signedPrekey', id, createdAt }, publicKey, signature);
    }
    if (frame.pqPrekey !== null) {
      const { id, createdAt, publicKey, signature } = frame.pqPrekey;
      checkSignature(sodium, key, { kind: 'pqPrekey', id, createdAt }, publicKey, signature);
    }
    for (const [table, prekey] of [
      ['signed_prekeys', frame.signedPrekey],
      ['pq_prekeys', frame.pqPrekey],
    ] as const) {
      if (prekey === null) continue;
      yield* changes(
        tx.db
          .insertInto(table)
          .values({
            device_id: device.id,
            prekey_id: prekey.id,
            public_key: prekey.publicKey,
            signature: prekey.signature,
            created_at: prekey.createdAt,
            uploaded_at: now,
          })
          .onConflict((oc) => oc.columns(['device_id', 'prekey_id']).doNothing()),
      );
      // Superseded prekeys stay for a grace period: first messages in flight may still use them.
      yield* changes(
        tx.db
          .deleteFrom(table)
          .where('device_id', '=', device.id)
          .where('prekey_id', '!=', prekey.id)
          .where('uploaded_at', '<', now - ctx.settings.prekeyGraceMs),
      );
    }
    for (const prekey of frame.oneTimePrekeys) {
      yield* changes(
        tx.db
          .insertInto('one_time_prekeys')
          .values({ device_id: device.id, prekey_id: prekey.id, public_key: prekey.publicKey })
          .onConflict((oc) => oc.columns(['device_id', 'prekey_id']).doNothing()),
      );
    }
    const { n } = yield* firstOrThrow(
      tx.db
        .selectFrom('one_time_prekeys')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('device_id', '=', device.id),
    );
    return n;
  });
}
