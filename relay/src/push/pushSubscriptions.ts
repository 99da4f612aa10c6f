import type { Kysely } from 'kysely';
import type { RelayDatabase } from '../db/schema.js';
import {
  changes,
  firstOrThrow,
  type Write,
  type WriteStore,
  type WriteTx,
} from '../db/WriteStore.js';

/** A device's push subscription, as the sender needs it. */
export interface PushSubscriptionRecord {
  readonly deviceId: string;
  readonly accountId: string;
  readonly endpoint: string;
  readonly p256dh: string;
  readonly auth: string;
  readonly showSender: boolean;
}

export interface NewPushSubscription extends PushSubscriptionRecord {
  readonly sessionId: string;
  readonly createdAt: number;
}

/** Stores a device's subscription, replacing the one it had: one per device. */
export function* saveSubscription(tx: WriteTx, sub: NewPushSubscription): Write<void> {
  const values = {
    device_id: sub.deviceId,
    account_id: sub.accountId,
    session_id: sub.sessionId,
    endpoint: sub.endpoint,
    p256dh: sub.p256dh,
    auth: sub.auth,
    show_sender: sub.showSender ? 1 : 0,
    created_at: sub.createdAt,
  };
  yield* changes(
    tx.db
      .insertInto('push_subscriptions')
      .values(values)
      .onConflict((oc) => oc.column('device_id').doUpdateSet(values)),
  );
}

/** Subscriptions of the account's devices other than this one. */
export function* countOtherSubscriptions(
  tx: WriteTx,
  accountId: string,
  deviceId: string,
): Write<number> {
  const row = yield* firstOrThrow(
    tx.db
      .selectFrom('push_subscriptions')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('account_id', '=', accountId)
      .where('device_id', '!=', deviceId),
  );
  return row.n;
}

export async function deleteSubscription(writes: WriteStore, deviceId: string): Promise<void> {
  await writes.write((tx) =>
    changes(tx.db.deleteFrom('push_subscriptions').where('device_id', '=', deviceId)),
  );
}

/** Only if it is still the one sent to: a device may have subscribed anew meanwhile. */
export async function deleteGoneSubscription(
  writes: WriteStore,
  deviceId: string,
  endpoint: string,
): Promise<void> {
  await writes.write((tx) =>
    changes(
      tx.db
        .deleteFrom('push_subscriptions')
        .where('device_id', '=', deviceId)
        .where('endpoint', '=', endpoint),
    ),
  );
}

export async function deleteSubscriptionsOfSessions(
  writes: WriteStore,
  sessionIds: readonly string[],
): Promise<void> {
  if (sessionIds.length === 0) return;
  await writes.write((tx) =>
    changes(tx.db.deleteFrom('push_subscriptions').where('session_id', 'in', sessionIds)),
  );
}

/**
 * Deletes subscriptions whose session ended or whose device was revoked elsewhere (the command
 * line, an expiry), which this process was not told about.
 */
export async function deleteStaleSubscriptions(writes: WriteStore): Promise<void> {
  await writes.write((tx) =>
    changes(
      tx.db
        .deleteFrom('push_subscriptions')
        .where((eb) =>
          eb.or([
            eb.not(
              eb.exists(
                eb
                  .selectFrom('sessions')
                  .select('sessions.id')
                  .whereRef('sessions.id', '=', 'push_subscriptions.session_id')
                  .where('sessions.ended_at', 'is', null),
              ),
            ),
            eb.exists(
              eb
                .selectFrom('devices')
                .select('devices.id')
                .whereRef('devices.id', '=', 'push_subscriptions.device_id')
                .where('devices.revoked_at', 'is not', null),
            ),
          ]),
        ),
    ),
  );
}

/**
 * The subscription to push to for a device, if any: only while its session is live, its device
 * not revoked and its account active, so a push never goes out on behalf of an ended sign-in.
 */
export async function findLiveSubscription(
  db: Kysely<RelayDatabase>,
  deviceId: string,
): Promise<PushSubscriptionRecord | null> {
  const row = await db
    .selectFrom('push_subscriptions as p')
    .innerJoin('sessions as s', 's.id', 'p.session_id')
    .innerJoin('devices as d', 'd.id', 'p.device_id')
    .innerJoin('accounts as a', 'a.id', 'p.account_id')
    .select(['p.device_id', 'p.account_id', 'p.endpoint', 'p.p256dh', 'p.auth', 'p.show_sender'])
    .where('p.device_id', '=', deviceId)
    .where('s.ended_at', 'is', null)
    .where('d.revoked_at', 'is', null)
    .where('a.status', '=', 'active')
    .executeTakeFirst();
  if (row === undefined) return null;
  return {
    deviceId: row.device_id,
    accountId: row.account_id,
    endpoint: row.endpoint,
    p256dh: row.p256dh,
    auth: row.auth,
    showSender: row.show_sender === 1,
  };
}

/** Whether the device has a subscription, and with which sender setting (for the app). */
export async function findSubscription(
  db: Kysely<RelayDatabase>,
  deviceId: string,
): Promise<{ endpoint: string; showSender: boolean } | null> {
  const row = await db
    .selectFrom('push_subscriptions')
    .select(['endpoint', 'show_sender'])
    .where('device_id', '=', deviceId)
    .executeTakeFirst();
  return row === undefined ? null : { endpoint: row.endpoint, showSender: row.show_sender === 1 };
}

export async function handleOf(
  db: Kysely<RelayDatabase>,
  accountId: string,
): Promise<string | null> {
  const row = await db
    .selectFrom('accounts')
    .select('handle')
    .where('id', '=', accountId)
    .executeTakeFirst();
  return row?.handle ?? null;
}
