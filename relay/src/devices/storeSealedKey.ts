import { ProtocolError, type ClientFrame } from '@vaultroom/shared/protocol';
import type { Caller, DeliveryContext } from '../delivery/DeliveryContext.js';
import { requireRecentVerification } from './deviceChecks.js';
import { changes } from '../db/WriteStore.js';

type Frame<T extends ClientFrame['t']> = Extract<ClientFrame, { t: T }>;

/**
 * Keeps the account key sealed under one of the account's passkeys (PROTOCOL.md §1.15.5, §2.9):
 * one blob per passkey, a new one replacing it. Needs a recent user verification; a credential
 * that is not this account's passkey is FORBIDDEN. The relay cannot open the blob.
 */
export async function storeSealedKey(
  ctx: DeliveryContext,
  caller: Caller,
  frame: Frame<'store-sealed-key'>,
): Promise<void> {
  await requireRecentVerification(ctx, caller);
  const passkey = await ctx.db
    .selectFrom('passkeys')
    .select('id')
    .where('id', '=', frame.credential)
    .where('account_id', '=', caller.accountId)
    .executeTakeFirst();
  if (passkey === undefined) throw new ProtocolError('FORBIDDEN', 'not a passkey of this account');
  const values = { sealed: frame.sealed, stored_at: ctx.now() };
  await ctx.writes.write((tx) =>
    changes(
      tx.db
        .insertInto('sealed_account_keys')
        .values({ credential_id: passkey.id, account_id: caller.accountId, ...values })
        .onConflict((oc) => oc.column('credential_id').doUpdateSet(values)),
    ),
  );
}
