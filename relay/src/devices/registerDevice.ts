import { randomBytes } from 'node:crypto';
import { ProtocolError, type ClientFrame } from '@vaultroom/shared/protocol';
import { loadSodium } from '../sodium/loadSodium.js';
import { appendSecurityEvent } from '../audit/recordSecurityEvent.js';
import { appendKeyEntry, identityObject } from '../audit/appendKeyEntry.js';
import type { Caller, DeliveryContext } from '../delivery/DeliveryContext.js';
import { checkSignature } from './deviceChecks.js';
import { isRegistrationRetry } from './isRegistrationRetry.js';
import { changes, first } from '../db/WriteStore.js';

type Frame<T extends ClientFrame['t']> = Extract<ClientFrame, { t: T }>;

export async function registerDevice(
  ctx: DeliveryContext,
  caller: Caller,
  frame: Frame<'register-device'>,
): Promise<string> {
  const sodium = await loadSodium();
  const { identity } = frame;
  checkSignature(
    sodium,
    identity.signingPublicKey,
    { kind: 'identityDh' },
    identity.dhPublicKey,
    identity.dhSignature,
  );
  return ctx.writes.write(function* (tx) {
    const taken = yield* first(
      tx.db
        .selectFrom('devices')
        .select(['id', 'account_id', 'dh_key', 'revoked_at', 'registered_with_credential'])
        .where('signing_key', '=', identity.signingPublicKey),
    );
    const session = yield* first(
      tx.db
        .selectFrom('sessions')
        .select(['device_id', 'passkey_id'])
        .where('id', '=', caller.sessionId),
    );
    if (taken !== undefined) {
      if (!isRegistrationRetry(taken, session, caller.accountId, identity.dhPublicKey)) {
        throw new ProtocolError('BAD_KEY_RECORD', 'identity key already registered');
      }
      // The answer the first attempt lost, and the session bound as that attempt bound its own;
      // the device, its event and its key entry exist already and are not written again.
      if (session?.device_id !== taken.id) {
        yield* changes(
          tx.db
            .updateTable('sessions')
            .set({ device_id: taken.id })
            .where('id', '=', caller.sessionId),
        );
      }
      return taken.id;
    }
    const id = randomBytes(12).toString('base64url');
    yield* changes(
      tx.db.insertInto('devices').values({
        id,
        account_id: caller.accountId,
        name: frame.name,
        signing_key: identity.signingPublicKey,
        dh_key: identity.dhPublicKey,
        dh_signature: identity.dhSignature,
        created_at: ctx.now(),
        last_seen_at: ctx.now(),
        revoked_at: null,
        // Which passkey's session may say hello as this device without the account's list (§2.9).
        registered_with_credential: session?.passkey_id ?? null,
      }),
    );
    yield* changes(
      tx.db.updateTable('sessions').set({ device_id: id }).where('id', '=', caller.sessionId),
    );
    yield* appendSecurityEvent(tx, {
      type: 'device_added',
      outcome: 'success',
      actorAccountId: caller.accountId,
      actorDeviceId: id,
      target: id,
    });
    const account = yield* first(
      tx.db.selectFrom('accounts').select('handle').where('id', '=', caller.accountId),
    );
    if (account === undefined) throw new ProtocolError('UNKNOWN_ACCOUNT');
    // The device's identity keys are a key entry (§3.8): its account's devices see every device
    // the relay registers for it, and one the relay holds but never logged is noticed.
    yield* appendKeyEntry(tx, id, {
      kind: 'device-identity',
      accountId: caller.accountId,
      handle: account.handle,
      device: id,
      key: identity.signingPublicKey,
      object: identityObject(identity.signingPublicKey, identity.dhPublicKey),
    });
    return id;
  });
}
