import { ProtocolError } from '@vaultroom/shared/protocol';
import type { Caller, DeliveryContext } from '../delivery/DeliveryContext.js';
import { changes, first } from '../db/WriteStore.js';
import { ownDevice } from './deviceChecks.js';

/**
 * Checks a device named in `hello` may be spoken for by this session (PROTOCOL.md §2.9): it
 * belongs to the session's account and is not revoked, and either this session's passkey
 * registered it, this session already speaks for it, or the account's current signed list names
 * it. Otherwise FORBIDDEN: another session of the account (another passkey, or a stolen cookie)
 * cannot drain the device's mailbox.
 *
 * One write operation, checks and updates together: a revocation or a new device list committed
 * between the check and the updates cannot slip in, since nothing else runs inside it.
 */
export async function checkHelloDevice(
  ctx: DeliveryContext,
  caller: Caller,
  deviceId: string,
): Promise<void> {
  await ctx.writes.write(function* (tx) {
    const device = yield* ownDevice(tx, caller, deviceId);
    const session = yield* first(
      tx.db
        .selectFrom('sessions')
        .select(['passkey_id', 'device_id'])
        .where('id', '=', caller.sessionId),
    );
    const passkeyId = session?.passkey_id ?? null;
    if (device.registered_with_credential === null && passkeyId !== null) {
      // Registered before the relay recorded the passkey, and no session told migration 0010
      // which one: the first session to say hello as it claims it. Refusing instead would strand
      // the device's mailbox and make its owner register again, which looks like an attack to
      // every contact; the window is one hello, open only to sessions of the same account.
      yield* changes(
        tx.db
          .updateTable('devices')
          .set({ registered_with_credential: passkeyId })
          .where('id', '=', deviceId)
          .where('registered_with_credential', 'is', null),
      );
    } else if (
      !(passkeyId !== null && passkeyId === device.registered_with_credential) &&
      session?.device_id !== deviceId
    ) {
      // The account's current list names the device: the relay holds a certificate only for those.
      const listed = yield* first(
        tx.db
          .selectFrom('device_certificates')
          .select('device_id')
          .where('device_id', '=', deviceId),
      );
      if (listed === undefined) {
        throw new ProtocolError('FORBIDDEN', 'this session may not speak for that device');
      }
    }
    yield* changes(
      tx.db.updateTable('devices').set({ last_seen_at: ctx.now() }).where('id', '=', deviceId),
    );
    // Written only when it changes, which a reconnect of the same session never does. Spelled
    // out rather than `IS NOT ?`, which PostgreSQL only accepts with a literal (NULL, TRUE…).
    yield* changes(
      tx.db
        .updateTable('sessions')
        .set({ device_id: deviceId })
        .where('id', '=', caller.sessionId)
        .where((eb) => eb.or([eb('device_id', 'is', null), eb('device_id', '!=', deviceId)])),
    );
  });
}
