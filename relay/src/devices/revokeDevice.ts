import { appendSecurityEvent } from '../audit/recordSecurityEvent.js';
import type { Caller, DeliveryContext } from '../delivery/DeliveryContext.js';
import { ownDevice, requireRecentVerification } from './deviceChecks.js';
import { changes, first, rows, type Write, type WriteTx } from '../db/WriteStore.js';
import { appendKeyEntry } from '../audit/appendKeyEntry.js';

/**
 * Revokes a device: its mailbox and prekeys are deleted, and the sessions it was signed in with
 * end (their sockets close). Needs a recent user verification (§2.9). Returns those sessions.
 */
export async function revokeDevice(
  ctx: DeliveryContext,
  caller: Caller,
  deviceId: string,
): Promise<string[]> {
  await requireRecentVerification(ctx, caller);
  return ctx.writes.write(function* (tx) {
    yield* ownDevice(tx, caller, deviceId);
    return yield* revokeInTransaction(tx, ctx.now(), caller, deviceId, {});
  });
}

/**
 * The revocation itself, inside the caller's transaction: the device is marked revoked, its
 * mailbox, prekeys and push subscription are deleted, its sessions end, and the event is
 * recorded. Returns the ended sessions, whose sockets the caller closes after commit. Its
 * certificate stays while the account's list names it: clients refuse a list that names a device
 * without its certificate, and the next list cannot name a revoked device.
 */
export function* revokeInTransaction(
  tx: WriteTx,
  now: number,
  caller: Caller,
  deviceId: string,
  details: Record<string, number | boolean>,
): Write<string[]> {
  yield* changes(tx.db.updateTable('devices').set({ revoked_at: now }).where('id', '=', deviceId));
  const revoked = yield* first(
    tx.db
      .selectFrom('devices')
      .innerJoin('accounts', 'accounts.id', 'devices.account_id')
      .select(['devices.signing_key as signingKey', 'accounts.handle as handle'])
      .where('devices.id', '=', deviceId),
  );
  yield* changes(tx.db.deleteFrom('envelopes').where('recipient_device_id', '=', deviceId));
  for (const table of [
    'one_time_prekeys',
    'signed_prekeys',
    'pq_prekeys',
    'push_subscriptions',
  ] as const) {
    yield* changes(tx.db.deleteFrom(table).where('device_id', '=', deviceId));
  }
  const sessions = yield* rows(
    tx.db
      .selectFrom('sessions')
      .select('id')
      .where('device_id', '=', deviceId)
      .where('ended_at', 'is', null),
  );
  yield* changes(
    tx.db
      .updateTable('sessions')
      .set({ ended_at: new Date(now).toISOString(), end_reason: 'device-revoked' })
      .where('id', 'in', sessions.length === 0 ? [''] : sessions.map((row) => row.id)),
  );
  yield* appendSecurityEvent(tx, {
    type: 'device_revoked',
    outcome: 'success',
    actorAccountId: caller.accountId,
    actorDeviceId: caller.deviceId,
    target: deviceId,
    details: { sessionsEnded: sessions.length, ...details },
  });
  if (revoked !== undefined) {
    yield* appendKeyEntry(tx, caller.deviceId, {
      kind: 'device-revocation',
      accountId: caller.accountId,
      handle: revoked.handle,
      device: deviceId,
      key: revoked.signingKey,
      object: null,
    });
  }
  return sessions.map((row) => row.id);
}
