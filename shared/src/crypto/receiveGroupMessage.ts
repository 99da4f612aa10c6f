import type { SenderKeyStore } from './stores.js';
import type { Sodium } from './Sodium.js';
import { CryptoError } from './CryptoError.js';
import { groupDecrypt, peekGroupMessage } from './groupMessage.js';

/**
 * Verifies and decrypts a group message from the device at `senderAddress` with the sender key
 * that device distributed to us (PROTOCOL.md §1.9.2); the store is written only on success.
 */
export async function receiveGroupMessage(
  sodium: Sodium,
  senderKeys: SenderKeyStore,
  senderAddress: string,
  bytes: Uint8Array,
): Promise<Uint8Array> {
  const { groupId } = peekGroupMessage(bytes);
  const state = await senderKeys.loadSenderKey(groupId, senderAddress);
  if (!state)
    throw new CryptoError('NO_SENDER_KEY', 'no sender key from this device for this group');
  const result = groupDecrypt(sodium, state, bytes);
  await senderKeys.storeSenderKey(groupId, senderAddress, result.state);
  return result.content;
}
