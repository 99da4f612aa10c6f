import { utf8ToBytes } from '@noble/hashes/utils.js';

import { encodeBase64 } from './base64.js';
import { ED25519_SECRET_KEY_SIZE, KEY_ID_SIZE, NOTE_SIGNATURE_PREFIX } from './constants.js';
import { ed25519KeyId } from './keyId.js';
import { isValidKeyName, isValidNoteCharacters } from './noteText.js';
import { TransparencyError } from './TransparencyError.js';
import type { Ed25519Api, NoteSigner } from './types.js';

/**
 * Signs note text (such as formatCheckpoint's output) with an Ed25519 key and returns the signed
 * note: the text, a blank line, and the line `— <name> <base64(key ID || signature)>`
 * (c2sp.org/signed-note). Ed25519 is deterministic, so the same text and key give the same note.
 */
export function signNote(body: string, signer: NoteSigner, sodium: Ed25519Api): string {
  if (body.length === 0 || !body.endsWith('\n') || !isValidNoteCharacters(body)) {
    throw new TransparencyError(
      'NOTE_MALFORMED',
      'note text must be non-empty, end with a newline and have no control characters',
    );
  }
  if (!isValidKeyName(signer.name)) {
    throw new TransparencyError('SIGNER_INVALID', 'key name is empty or has a space or plus');
  }
  if (signer.secretKey.length !== ED25519_SECRET_KEY_SIZE) {
    throw new TransparencyError(
      'SIGNER_INVALID',
      `secret key has ${signer.secretKey.length} bytes, expected ${ED25519_SECRET_KEY_SIZE}`,
    );
  }
  // libsodium's Ed25519 secret key is seed || public key.
  const publicKey = signer.secretKey.subarray(32);
  const signature = sodium.crypto_sign_detached(utf8ToBytes(body), signer.secretKey);
  const tagged = new Uint8Array(KEY_ID_SIZE + signature.length);
  new DataView(tagged.buffer).setUint32(0, ed25519KeyId(signer.name, publicKey), false);
  tagged.set(signature, KEY_ID_SIZE);
  return `${body}\n${NOTE_SIGNATURE_PREFIX}${signer.name} ${encodeBase64(tagged)}\n`;
}
