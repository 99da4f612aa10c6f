import { ProtocolError, type ClientFrame } from '@vaultroom/shared/protocol';
import { loadSodium } from '../sodium/loadSodium.js';
import { appendSecurityEvent } from '../audit/recordSecurityEvent.js';
import { appendKeyEntry } from '../audit/appendKeyEntry.js';
import { checkTrustUpload } from './checkTrustUpload.js';
import type { Caller, DeliveryContext } from '../delivery/DeliveryContext.js';
import { requireDevice, requireRecentVerification } from './deviceChecks.js';
import { revokeInTransaction } from './revokeDevice.js';
import { changes, first, rows } from '../db/WriteStore.js';

type Frame<T extends ClientFrame['t']> = Extract<ClientFrame, { t: T }>;

export interface PublishedTrust {
  /** The account's handle, for `trust-changed`. */
  readonly handle: string;
  /** Devices the previous list named and this one does not: now revoked, with their sessions. */
  readonly revoked: readonly { readonly deviceId: string; readonly endedSessions: string[] }[];
}

/**
 * Stores a newer signed device list, its certificates and the account key (PROTOCOL.md §2.9), in
 * one transaction with the revocation of every device the list drops. The checks are those of
 * checkTrustUpload, made inside the transaction so two publications cannot both pass against
 * the same stored version.
 */
export async function publishTrust(
  ctx: DeliveryContext,
  caller: Caller,
  frame: Frame<'publish-trust'>,
): Promise<PublishedTrust> {
  requireDevice(caller);
  await requireRecentVerification(ctx, caller);
  const sodium = await loadSodium();
  return ctx.writes.write(function* (tx) {
    const account = yield* first(
      tx.db.selectFrom('accounts').select('handle').where('id', '=', caller.accountId),
    );
    if (account === undefined) throw new ProtocolError('UNKNOWN_ACCOUNT');
    const stored = yield* first(
      tx.db
        .selectFrom('account_trust')
        .select(['account_key', 'list_version'])
        .where('account_id', '=', caller.accountId),
    );
    const devices = yield* rows(
      tx.db
        .selectFrom('devices')
        .select(['id', 'signing_key', 'dh_key'])
        .where('account_id', '=', caller.accountId)
        .where('revoked_at', 'is', null),
    );
    const held = yield* rows(
      tx.db
        .selectFrom('device_certificates')
        .select(['device_id', 'certificate'])
        .where('account_id', '=', caller.accountId),
    );
    const checked = checkTrustUpload(sodium, {
      handle: account.handle,
      stored:
        stored === undefined
          ? null
          : { accountKey: stored.account_key, version: stored.list_version },
      upload: frame,
      devices: new Map(
        devices.map((row) => [row.id, { signingKey: row.signing_key, dhKey: row.dh_key }]),
      ),
      storedCertificates: new Map(held.map((row) => [row.device_id, row.certificate])),
    });

    const now = ctx.now();
    const trust = {
      account_key: frame.accountKey,
      device_list: frame.list,
      list_version: checked.version,
      updated_at: now,
    };
    yield* changes(
      tx.db
        .insertInto('account_trust')
        .values({ account_id: caller.accountId, ...trust })
        .onConflict((oc) => oc.column('account_id').doUpdateSet(trust)),
    );
    const named = new Set(checked.certificates.map((certificate) => certificate.deviceId));
    const dropped = held.map((row) => row.device_id).filter((id) => !named.has(id));
    yield* changes(
      tx.db.deleteFrom('device_certificates').where('account_id', '=', caller.accountId),
    );
    for (const certificate of checked.certificates) {
      yield* changes(
        tx.db.insertInto('device_certificates').values({
          device_id: certificate.deviceId,
          account_id: caller.accountId,
          certificate: certificate.bytes,
          certificate_hash: certificate.hash,
          stored_at: now,
        }),
      );
    }
    // Revocation is a newer list that no longer names the device (§1.15.3): the relay follows it.
    const live = new Set(devices.map((row) => row.id));
    const revoked = [];
    for (const deviceId of dropped.filter((id) => live.has(id))) {
      const endedSessions = yield* revokeInTransaction(tx, now, caller, deviceId, {
        byDeviceList: true,
      });
      revoked.push({ deviceId, endedSessions });
    }
    // Every public object this publication adds is a key entry (§3.8), in the same transaction.
    const logged = { accountId: caller.accountId, handle: account.handle };
    if (stored === undefined || checked.replacesKey) {
      yield* appendKeyEntry(tx, caller.deviceId, {
        ...logged,
        kind: 'account-key',
        device: null,
        key: frame.accountKey,
        object: frame.accountKey,
      });
    }
    const heldBytes = new Map(held.map((row) => [row.device_id, Buffer.from(row.certificate)]));
    for (const certificate of checked.certificates) {
      if (heldBytes.get(certificate.deviceId)?.equals(certificate.bytes) === true) continue;
      yield* appendKeyEntry(tx, caller.deviceId, {
        ...logged,
        kind: 'device-certificate',
        device: certificate.deviceId,
        key: certificate.signingPublicKey,
        object: certificate.bytes,
      });
    }
    yield* appendKeyEntry(tx, caller.deviceId, {
      ...logged,
      kind: 'device-list',
      device: null,
      key: frame.accountKey,
      object: frame.list,
    });
    if (checked.replacesKey) {
      yield* appendSecurityEvent(tx, {
        type: 'account_key_replaced',
        outcome: 'success',
        actorAccountId: caller.accountId,
        actorDeviceId: caller.deviceId,
        target: caller.accountId,
        details: { version: checked.version },
      });
    }
    yield* appendSecurityEvent(tx, {
      type: 'device_list_published',
      outcome: 'success',
      actorAccountId: caller.accountId,
      actorDeviceId: caller.deviceId,
      target: caller.accountId,
      details: { version: checked.version, devices: checked.certificates.length },
    });
    return { handle: account.handle, revoked };
  });
}
