import { encodeBase64 } from './base64.js';
import { ED25519_PUBLIC_KEY_SIZE, ED25519_SIGNATURE_TYPE } from './constants.js';
import { ed25519KeyId } from './keyId.js';
import { isValidKeyName } from './noteText.js';
import { TransparencyError } from './TransparencyError.js';

/**
 * The verifier key string that clients configure to trust a log's Ed25519 key:
 * `<name>+<8 hex digits of key ID>+<base64(0x01 || public key)>`, the format of Go's
 * golang.org/x/mod/sumdb/note (e.g. `sum.golang.org+033de0ae+Ac4z...`).
 */
export function formatVerifierKey(name: string, publicKey: Uint8Array): string {
  if (!isValidKeyName(name)) {
    throw new TransparencyError('VERIFIER_KEY_INVALID', 'key name is empty or has a space or plus');
  }
  if (publicKey.length !== ED25519_PUBLIC_KEY_SIZE) {
    throw new TransparencyError(
      'VERIFIER_KEY_INVALID',
      `public key has ${publicKey.length} bytes, expected ${ED25519_PUBLIC_KEY_SIZE}`,
    );
  }
  const typed = new Uint8Array(1 + publicKey.length);
  typed[0] = ED25519_SIGNATURE_TYPE;
  typed.set(publicKey, 1);
  const keyId = ed25519KeyId(name, publicKey).toString(16).padStart(8, '0');
  return `${name}+${keyId}+${encodeBase64(typed)}`;
}
