import { handleKey } from '@vaultroom/shared';
import { encodePrekeyBundle, type PrekeyBundle } from '@vaultroom/shared/crypto';
import { ProtocolError } from '@vaultroom/shared/protocol';
import { changes, first } from '../db/WriteStore.js';
import type { DeliveryContext } from '../delivery/DeliveryContext.js';
import { countOneTimePrekeys } from './countOneTimePrekeys.js';

export interface BundleOfDevice {
  readonly device: string;
  readonly bundle: Uint8Array<ArrayBuffer>;
}

/** One bundle per live device of an account, each with a one-time prekey when one is left. */
export async function fetchBundles(
  ctx: DeliveryContext,
  handle: string,
  onLow: (deviceId: string, remaining: number) => void,
): Promise<BundleOfDevice[]> {
  const account = await ctx.db
    .selectFrom('accounts')
    .select('id')
    .where('handle_key', '=', handleKey(handle))
    .where('status', '=', 'active')
    .executeTakeFirst();
  if (account === undefined) throw new ProtocolError('UNKNOWN_ACCOUNT');
  const devices = await ctx.db
    .selectFrom('devices')
    .selectAll()
    .where('account_id', '=', account.id)
    .where('revoked_at', 'is', null)
    .orderBy('created_at')
    .execute();
  const bundles: BundleOfDevice[] = [];
  for (const device of devices) {
    const newest = async (table: 'signed_prekeys' | 'pq_prekeys') =>
      ctx.db
        .selectFrom(table)
        .selectAll()
        .where('device_id', '=', device.id)
        .orderBy('uploaded_at', 'desc')
        .orderBy('prekey_id', 'desc')
        .limit(1)
        .executeTakeFirst();
    const signed = await newest('signed_prekeys');
    const pq = await newest('pq_prekeys');
    if (signed === undefined || pq === undefined) continue; // not ready to receive yet
    const claimed = await claimOneTimePrekey(ctx, device.id);
    const bundle: PrekeyBundle = {
      identity: {
        signingPublicKey: device.signing_key,
        dhPublicKey: device.dh_key,
        dhSignature: device.dh_signature,
      },
      signedPrekey: {
        id: signed.prekey_id,
        createdAt: signed.created_at,
        publicKey: signed.public_key,
        signature: signed.signature,
      },
      pqPrekey: {
        id: pq.prekey_id,
        createdAt: pq.created_at,
        publicKey: pq.public_key,
        signature: pq.signature,
      },
      ...(claimed === null ? {} : { oneTimePrekey: claimed }),
    };
    bundles.push({ device: device.id, bundle: Uint8Array.from(encodePrekeyBundle(bundle)) });
    const remaining = await countOneTimePrekeys(ctx, device.id);
    if (remaining < ctx.settings.lowPrekeyThreshold) onLow(device.id, remaining);
  }
  return bundles;
}

/**
 * Takes the device's lowest one-time prekey: the read and the delete are one write operation, so
 * under concurrent fetches every one-time prekey goes to exactly one caller. (On PostgreSQL the
 * read must lock its row, `FOR UPDATE SKIP LOCKED`, for the same guarantee.)
 */
function claimOneTimePrekey(
  ctx: DeliveryContext,
  deviceId: string,
): Promise<{ id: number; publicKey: Uint8Array } | null> {
  return ctx.writes.write(function* (tx) {
    const row = yield* first(
      tx.db
        .selectFrom('one_time_prekeys')
        .select(['prekey_id', 'public_key'])
        .where('device_id', '=', deviceId)
        .orderBy('prekey_id')
        .limit(1),
    );
    if (row === undefined) return null;
    yield* changes(
      tx.db
        .deleteFrom('one_time_prekeys')
        .where('device_id', '=', deviceId)
        .where('prekey_id', '=', row.prekey_id),
    );
    return { id: row.prekey_id, publicKey: row.public_key };
  });
}
