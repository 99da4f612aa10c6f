import { verifyPrekeySignature, type SignedKeyFacts } from '@vaultroom/shared/crypto';
import { ProtocolError } from '@vaultroom/shared/protocol';
import type { Sodium } from '../sodium/loadSodium.js';
import { isRecentlyVerified } from '../accounts/isRecentlyVerified.js';
import type { Caller, DeliveryContext } from '../delivery/DeliveryContext.js';
import { first, type WriteTx } from '../db/WriteStore.js';

export function requireDevice(caller: Caller): string {
  if (caller.deviceId === null) throw new ProtocolError('DEVICE_REQUIRED');
  return caller.deviceId;
}

/** A refused signature never reaches the database: clients verify again, but garbage stops here. */
export function checkSignature(
  sodium: Sodium,
  signingKey: Uint8Array,
  facts: SignedKeyFacts,
  publicKey: Uint8Array,
  signature: Uint8Array,
): void {
  try {
    verifyPrekeySignature(sodium, signingKey, facts, publicKey, signature);
  } catch {
    throw new ProtocolError('BAD_KEY_RECORD', `${facts.kind} signature does not verify`);
  }
}

/**
 * A live (not revoked) device of the caller's account, by id, read inside the write operation
 * that acts on it, so a revocation cannot land between the check and the act.
 */
export function* ownDevice(tx: WriteTx, caller: Caller, deviceId: string) {
  const device = yield* first(
    tx.db
      .selectFrom('devices')
      .selectAll()
      .where('id', '=', deviceId)
      .where('revoked_at', 'is', null),
  );
  if (device === undefined) throw new ProtocolError('UNKNOWN_DEVICE');
  if (device.account_id !== caller.accountId) throw new ProtocolError('FORBIDDEN');
  return device;
}

/**
 * The caller's session verified its user with a passkey recently enough for an action that
 * changes which devices or keys the account has (§2.9); REAUTH_REQUIRED otherwise. Read from the
 * database each time, so a step-up through the accounts API counts at once on open sockets.
 */
export async function requireRecentVerification(
  ctx: DeliveryContext,
  caller: Caller,
): Promise<void> {
  const session = await ctx.db
    .selectFrom('sessions')
    .select('verified_at')
    .where('id', '=', caller.sessionId)
    .executeTakeFirst();
  if (!isRecentlyVerified(session?.verified_at ?? null, ctx.now())) {
    throw new ProtocolError('REAUTH_REQUIRED');
  }
}
