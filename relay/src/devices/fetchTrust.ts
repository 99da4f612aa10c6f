import { handleKey } from '@vaultroom/shared';
import { ProtocolError } from '@vaultroom/shared/protocol';
import type { DeliveryContext } from '../delivery/DeliveryContext.js';

export interface AccountTrustRecord {
  readonly account: string;
  readonly accountKey: Uint8Array | null;
  readonly list: Uint8Array | null;
  readonly certificates: Uint8Array[];
}

/**
 * What the relay holds of an account's trust objects (PROTOCOL.md §2.9), for any handle: the
 * account key, the newest list and the certificates it names. Clients verify all of it.
 */
export async function fetchTrust(
  ctx: DeliveryContext,
  handle: string,
): Promise<AccountTrustRecord> {
  const account = await ctx.db
    .selectFrom('accounts')
    .select(['id', 'handle'])
    .where('handle_key', '=', handleKey(handle))
    .where('status', '=', 'active')
    .executeTakeFirst();
  if (account === undefined) throw new ProtocolError('UNKNOWN_ACCOUNT');
  const trust = await ctx.db
    .selectFrom('account_trust')
    .select(['account_key', 'device_list'])
    .where('account_id', '=', account.id)
    .executeTakeFirst();
  const certificates = await ctx.db
    .selectFrom('device_certificates')
    .select('certificate')
    .where('account_id', '=', account.id)
    .orderBy('device_id')
    .execute();
  return {
    account: account.handle,
    accountKey: trust?.account_key ?? null,
    list: trust?.device_list ?? null,
    certificates: certificates.map((row) => row.certificate),
  };
}
