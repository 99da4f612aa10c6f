import { decodeBase64 } from './base64.js';
import { ED25519_PUBLIC_KEY_SIZE, ED25519_SIGNATURE_TYPE } from './constants.js';
import { ed25519KeyId } from './keyId.js';
import { isValidKeyName } from './noteText.js';
import { TransparencyError } from './TransparencyError.js';
import type { NoteVerifier } from './types.js';

function fail(message: string): never {
  throw new TransparencyError('VERIFIER_KEY_INVALID', message);
}

/**
 * Parses a verifier key string `<name>+<hex key ID>+<base64(0x01 || Ed25519 public key)>` (see
 * {@link formatVerifierKey}). The key ID must match the name and key, so a typo in any part is
 * caught here rather than as a mysteriously unknown key later.
 */
export function parseVerifierKey(text: string): NoteVerifier {
  const firstPlus = text.indexOf('+');
  const secondPlus = text.indexOf('+', firstPlus + 1);
  if (firstPlus < 0 || secondPlus < 0) fail('expected <name>+<key ID>+<key>');
  const name = text.slice(0, firstPlus);
  const keyIdHex = text.slice(firstPlus + 1, secondPlus);
  const keyText = text.slice(secondPlus + 1);
  if (!isValidKeyName(name)) fail('key name is empty or has a space or plus');
  if (!/^[0-9a-f]{8}$/.test(keyIdHex)) fail('key ID must be 8 lowercase hex digits');
  let typed: Uint8Array;
  try {
    typed = decodeBase64(keyText);
  } catch {
    fail('key is not canonical base64');
  }
  if (typed[0] !== ED25519_SIGNATURE_TYPE) fail('only Ed25519 keys (type 0x01) are supported');
  if (typed.length !== 1 + ED25519_PUBLIC_KEY_SIZE) {
    fail(`Ed25519 key has ${typed.length - 1} bytes, expected ${ED25519_PUBLIC_KEY_SIZE}`);
  }
  const publicKey = typed.slice(1);
  const keyId = Number.parseInt(keyIdHex, 16);
  const expected = ed25519KeyId(name, publicKey);
  if (keyId !== expected) {
    fail(
      `key ID ${keyIdHex} does not match the name and key (${expected.toString(16).padStart(8, '0')})`,
    );
  }
  return { name, keyId, publicKey };
}
