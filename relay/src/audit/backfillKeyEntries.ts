import { keyEntryHash } from '@vaultroom/shared/transparency';
import { rows, type WriteStore } from '../db/WriteStore.js';
import { appendKeyEntry, identityObject, type KeyObject } from './appendKeyEntry.js';

/**
 * At start, logs every public key object the database holds without a key entry (PROTOCOL.md
 * §2.11): what a relay from before key transparency stored, and anything written into the
 * database while no relay ran, and objects whose entry was pruned. Apps refuse keys they cannot prove and monitor their own account,
 * so an object left unlogged would be refused by contacts and reported by its owner's devices;
 * logged, an object the account made is accepted, and one it did not make is reported. Returns
 * the number of entries appended.
 */
export function backfillKeyEntries(writes: WriteStore): Promise<number> {
  return writes.write(function* (tx) {
    // An entry whose event a pruning deleted proves nothing any more: its object is logged again.
    const logged = new Set(
      (yield* rows(
        tx.db
          .selectFrom('key_entries')
          .innerJoin('audit_events', 'audit_events.seq', 'key_entries.seq')
          .select('key_entries.object_hash'),
      )).map((row) => Buffer.from(row.object_hash).toString('base64')),
    );
    const objects: KeyObject[] = [];
    const devices = yield* rows(
      tx.db
        .selectFrom('devices')
        .innerJoin('accounts', 'accounts.id', 'devices.account_id')
        .select(['devices.id', 'devices.account_id', 'devices.signing_key', 'devices.dh_key'])
        .select('accounts.handle')
        .where('devices.revoked_at', 'is', null)
        .orderBy('devices.created_at'),
    );
    for (const device of devices) {
      objects.push({
        kind: 'device-identity',
        accountId: device.account_id,
        handle: device.handle,
        device: device.id,
        key: device.signing_key,
        object: identityObject(device.signing_key, device.dh_key),
      });
    }
    const trust = yield* rows(
      tx.db
        .selectFrom('account_trust')
        .innerJoin('accounts', 'accounts.id', 'account_trust.account_id')
        .select(['account_trust.account_id', 'account_key', 'device_list', 'accounts.handle'])
        .orderBy('account_trust.account_id'),
    );
    const certificates = yield* rows(
      tx.db
        .selectFrom('device_certificates')
        .innerJoin('devices', 'devices.id', 'device_certificates.device_id')
        .select(['device_certificates.account_id', 'device_id', 'certificate', 'signing_key'])
        .orderBy('device_id'),
    );
    for (const row of trust) {
      const shared = { accountId: row.account_id, handle: row.handle };
      objects.push({
        ...shared,
        kind: 'account-key',
        device: null,
        key: row.account_key,
        object: row.account_key,
      });
      for (const certificate of certificates.filter((c) => c.account_id === row.account_id)) {
        objects.push({
          ...shared,
          kind: 'device-certificate',
          device: certificate.device_id,
          key: certificate.signing_key,
          object: certificate.certificate,
        });
      }
      objects.push({
        ...shared,
        kind: 'device-list',
        device: null,
        key: row.account_key,
        object: row.device_list,
      });
    }
    let appended = 0;
    for (const object of objects) {
      if (object.object === null) continue;
      const hash = Buffer.from(keyEntryHash(object.object)).toString('base64');
      if (logged.has(hash)) continue;
      logged.add(hash);
      yield* appendKeyEntry(tx, null, object);
      appended += 1;
    }
    return appended;
  });
}
