import type { Caller, DeliveryContext } from '../delivery/DeliveryContext.js';

export interface SealedKeyRecord {
  readonly credential: string | null;
  readonly sealed: Uint8Array | null;
}

/**
 * The sealed account key of the passkey this session signed in with (PROTOCOL.md §2.9), so a
 * new device that signed in with a synced passkey can open it. Null when the session has no
 * passkey left (it was removed) or that passkey has no blob.
 */
export async function fetchSealedKey(
  ctx: DeliveryContext,
  caller: Caller,
): Promise<SealedKeyRecord> {
  const row = await ctx.db
    .selectFrom('sessions')
    .leftJoin('sealed_account_keys', 'sealed_account_keys.credential_id', 'sessions.passkey_id')
    .select(['sessions.passkey_id as credential', 'sealed_account_keys.sealed as sealed'])
    .where('sessions.id', '=', caller.sessionId)
    .executeTakeFirst();
  return { credential: row?.credential ?? null, sealed: row?.sealed ?? null };
}
