import { encodeHex } from '@vaultroom/shared';
import { DeliveryError } from '@vaultroom/shared/client';
import { isCryptoError, openAccountKey, sealAccountKey } from '@vaultroom/shared/crypto';
import { requireTransport, type ChatContext } from './ChatContext.js';

/**
 * Runs a trust change the relay may refuse with REAUTH_REQUIRED (its session's last user
 * verification is over five minutes old, §2.9): the person verifies with the passkey, and the
 * change is tried once more.
 */
export async function withUserVerification(
  ctx: ChatContext,
  run: () => Promise<void>,
): Promise<void> {
  try {
    await run();
  } catch (error) {
    const verifyUser = ctx.verifyUser;
    if (!(error instanceof DeliveryError && error.code === 'REAUTH_REQUIRED')) throw error;
    if (verifyUser === null) throw error;
    await verifyUser();
    await run();
  }
}

/**
 * Keeps the account key sealed under the session's passkey on the relay (§1.15.5), so a new
 * device signing in with the same (synced) passkey can open it without an approval. Done once
 * per run, and only when the relay holds no blob for this passkey that opens to this key.
 */
export async function sealForPasskey(ctx: ChatContext): Promise<void> {
  const pair = ctx.accountKey;
  if (pair === null || sealedThisRun.get(ctx) === encodeHex(pair.publicKey)) return;
  const secret = await ctx.accountKeySecret();
  if (secret === null) return;
  const link = requireTransport(ctx);
  const { credential, sealed } = await link.fetchSealedKey();
  // The relay names the session's passkey: a blob for another one would open nowhere.
  if (credential !== secret.credential) return;
  const binding = { accountId: ctx.accountId, credentialId: credential };
  if (sealed !== null) {
    try {
      const held = openAccountKey(ctx.sodium, sealed, secret.prfOutput, binding);
      if (held.secretKey.every((byte, i) => byte === pair.secretKey[i])) {
        sealedThisRun.set(ctx, encodeHex(pair.publicKey));
        return;
      }
    } catch (error) {
      if (!isCryptoError(error)) throw error;
    }
  }
  const blob = sealAccountKey(ctx.sodium, pair.secretKey, secret.prfOutput, binding);
  await withUserVerification(ctx, () => link.storeSealedKey(credential, blob));
  sealedThisRun.set(ctx, encodeHex(pair.publicKey));
}

/** The account key each engine sealed (or found sealed) in this run: once is enough. */
const sealedThisRun = new WeakMap<ChatContext, string>();
