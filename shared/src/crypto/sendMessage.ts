import type { SessionStore } from './stores.js';
import type { Random, Sodium } from './Sodium.js';
import { systemRandom } from './Sodium.js';
import { CryptoError } from './CryptoError.js';
import { encryptMessage } from './encryptMessage.js';

/**
 * Encrypts `content` for the device at `address` with its stored session, and stores the
 * advanced session before returning the message (a message key must never be used twice).
 */
export async function sendMessage(
  sodium: Sodium,
  sessions: SessionStore,
  address: string,
  content: Uint8Array,
  random: Random = systemRandom(sodium),
): Promise<Uint8Array> {
  const session = await sessions.loadSession(address);
  if (!session) throw new CryptoError('NO_SESSION', 'no session with this device');
  const result = encryptMessage(sodium, session, content, random);
  await sessions.storeSession(address, result.session);
  return result.message;
}
