import { handleKey } from '@vaultroom/shared';
import {
  KEY_ENTRY_TYPE,
  keyEntryDetails,
  keyEntryHash,
  makeKeyEntry,
  type KeyEntryKind,
} from '@vaultroom/shared/transparency';
import { changes, type Write, type WriteTx } from '../db/WriteStore.js';
import { appendSecurityEvent } from './recordSecurityEvent.js';

/** One public key object to log (PROTOCOL.md §3.8). */
export interface KeyObject {
  readonly kind: KeyEntryKind;
  /** The account's relay id and handle. */
  readonly accountId: string;
  readonly handle: string;
  readonly device: string | null;
  /** The public key the entry is about (hashed into `keyHash`). */
  readonly key: Uint8Array;
  /** The exact object bytes, or null (a revocation). */
  readonly object: Uint8Array | null;
}

/**
 * Logs a public key object as a key entry in the caller's transaction, so the object and its
 * leaf commit together: a client refuses an object it cannot prove in the log (§1.15.6 rule 7).
 * The object's hash is indexed with the event's seq, which is what `prove-keys` looks up.
 */
export function* appendKeyEntry(
  tx: WriteTx,
  actorDeviceId: string | null,
  object: KeyObject,
): Write<number> {
  const entry = makeKeyEntry({
    kind: object.kind,
    account: handleKey(object.handle),
    device: object.device,
    key: object.key,
    object: object.object,
  });
  const seq = yield* appendSecurityEvent(tx, {
    type: KEY_ENTRY_TYPE,
    outcome: 'success',
    actorAccountId: object.accountId,
    actorDeviceId,
    target: object.accountId,
    details: keyEntryDetails(entry),
  });
  if (object.object !== null) {
    const hash = Buffer.from(keyEntryHash(object.object));
    // The newest entry of an object is the one proven: a re-logged object (after a pruning)
    // points at its new leaf.
    yield* changes(
      tx.db
        .insertInto('key_entries')
        .values({ object_hash: hash, account_id: object.accountId, seq })
        .onConflict((oc) => oc.column('object_hash').doUpdateSet({ seq })),
    );
  }
  return seq;
}

/** The bytes a device-identity entry commits to: IK ‖ IKd (§3.8). */
export function identityObject(signingKey: Uint8Array, dhKey: Uint8Array): Uint8Array {
  const bytes = new Uint8Array(64);
  bytes.set(signingKey, 0);
  bytes.set(dhKey, 32);
  return bytes;
}
