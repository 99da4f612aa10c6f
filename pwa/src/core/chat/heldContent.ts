import { decodeHex, encodeHex } from '@vaultroom/shared';
import { isCryptoError, verifyAccountDevices } from '@vaultroom/shared/crypto';
import type { ChatContext } from './ChatContext.js';
import type { ContactRecord } from './chatRecords.js';
import { fetchServedTrust } from './accountTrust.js';

/**
 * Content from a contact's device that the account key they changed to certifies, while the
 * person has not accepted that change (§1.15.6 rule 1): not shown and not lost. It is kept,
 * decrypted, with the device's key, and applied once the person accepts the new key, if the
 * list then accepted under it certifies that device with that key; refused otherwise.
 */
export interface HeldContent {
  readonly contact: string;
  readonly fromDevice: string;
  /** The session's remote identity key (hex) the content came under. */
  readonly remoteKey: string;
  /** The encoded content (§1.8.2). */
  readonly content: Uint8Array;
  readonly at: number;
}

/** Whether the offered (not accepted) account key's list certifies the device with this key. */
export async function certifiedUnderOffer(
  ctx: ChatContext,
  contact: ContactRecord,
  device: string,
  remoteKey: string,
): Promise<boolean> {
  const offered = contact.offeredAccountKey;
  if (offered === null) return false;
  const served = await fetchServedTrust(ctx, contact.handle);
  if (served.list === null || served.accountKey === null) return false;
  if (encodeHex(served.accountKey) !== offered) return false;
  try {
    const { devices } = verifyAccountDevices(
      ctx.sodium,
      decodeHex(offered),
      { list: served.list, certificates: served.certificates },
      { handle: contact.handle },
    );
    return devices.some(
      (d) => d.deviceId === device && encodeHex(d.signingPublicKey) === remoteKey,
    );
  } catch (error) {
    if (!isCryptoError(error)) throw error;
    return false;
  }
}
