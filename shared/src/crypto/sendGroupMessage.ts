import type { SenderKeyStore } from './stores.js';
import type { Random, Sodium } from './Sodium.js';
import { systemRandom } from './Sodium.js';
import { CryptoError } from './CryptoError.js';
import { groupEncrypt } from './groupMessage.js';

/**
 * Encrypts `content` once for a group with our sender key (filed under `ownAddress`), storing the
 * advanced key before returning the message (PROTOCOL.md §1.9.2). NO_SENDER_KEY if we have none:
 * create one with createSenderKey and distribute it first.
 */
export async function sendGroupMessage(
  sodium: Sodium,
  senderKeys: SenderKeyStore,
  groupId: Uint8Array,
  ownAddress: string,
  content: Uint8Array,
  random: Random = systemRandom(sodium),
): Promise<Uint8Array> {
  const state = await senderKeys.loadSenderKey(groupId, ownAddress);
  if (!state) throw new CryptoError('NO_SENDER_KEY', 'no sender key of ours for this group');
  const result = groupEncrypt(sodium, state, content, random);
  await senderKeys.storeSenderKey(groupId, ownAddress, result.state);
  return result.message;
}
