import type { SenderKeyDistribution } from './senderKeyDistribution.js';
import type { SenderKeyStore } from './stores.js';
import type { Random, Sodium } from './Sodium.js';
import { systemRandom } from './Sodium.js';
import { createSenderKey, senderKeyDistribution } from './SenderKeyState.js';

/**
 * Replaces our sender key for `groupId` with a fresh one (new key id, chain key and signing key)
 * and returns its distribution (PROTOCOL.md §1.9.3). Call it when the group is created and
 * whenever a member leaves or is removed, then send the distribution, inside a
 * groupKeyDistribution content, over the pairwise session of every remaining member device only.
 */
export async function rotateSenderKey(
  sodium: Sodium,
  senderKeys: SenderKeyStore,
  groupId: Uint8Array,
  ownAddress: string,
  random: Random = systemRandom(sodium),
): Promise<SenderKeyDistribution> {
  const state = createSenderKey(sodium, groupId, random);
  await senderKeys.storeSenderKey(groupId, ownAddress, state);
  return senderKeyDistribution(state);
}
