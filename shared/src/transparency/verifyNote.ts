import { utf8ToBytes } from '@noble/hashes/utils.js';

import { ED25519_PUBLIC_KEY_SIZE, ED25519_SIGNATURE_SIZE } from './constants.js';
import { equalBytes } from './equalBytes.js';
import { ed25519KeyId } from './keyId.js';
import { parseSignedNote } from './parseSignedNote.js';
import { TransparencyError } from './TransparencyError.js';
import type { Ed25519Api, NoteSignature, NoteVerifier, VerifiedNote } from './types.js';

function keyOf(name: string, keyId: number): string {
  return `${name}+${keyId.toString(16).padStart(8, '0')}`;
}

function indexVerifiers(verifiers: readonly NoteVerifier[]): Map<string, NoteVerifier> {
  const byKey = new Map<string, NoteVerifier>();
  for (const verifier of verifiers) {
    const key = keyOf(verifier.name, verifier.keyId);
    // A hand-built verifier with a wrong key ID would silently never match: refuse it.
    if (
      verifier.publicKey.length !== ED25519_PUBLIC_KEY_SIZE ||
      ed25519KeyId(verifier.name, verifier.publicKey) !== verifier.keyId
    ) {
      throw new TransparencyError('VERIFIER_KEY_INVALID', `verifier ${key} is inconsistent`);
    }
    const known = byKey.get(key);
    if (known !== undefined && !equalBytes(known.publicKey, verifier.publicKey)) {
      throw new TransparencyError('VERIFIER_KEY_INVALID', `two different keys are named ${key}`);
    }
    byKey.set(key, verifier);
  }
  return byKey;
}

/**
 * Parses a signed note and checks its signatures against the trusted `verifiers`
 * (c2sp.org/signed-note, Signatures): signatures whose key name and ID match no trusted key are
 * ignored (they may be witnesses' cosignatures, or a rotated key); a signature from a trusted key
 * that fails to verify rejects the whole note (CHECKPOINT_SIGNATURE_INVALID); and at least one
 * trusted signature must verify (UNKNOWN_KEY otherwise). Returns the authenticated text.
 */
export function verifyNote(
  text: string,
  verifiers: readonly NoteVerifier[],
  sodium: Ed25519Api,
): VerifiedNote {
  const trusted = indexVerifiers(verifiers);
  const note = parseSignedNote(text);
  const message = utf8ToBytes(note.body);
  const verified: NoteSignature[] = [];
  const unverified: NoteSignature[] = [];
  const seen = new Set<string>();
  for (const signature of note.signatures) {
    const key = keyOf(signature.name, signature.keyId);
    // Repeated lines for one key add nothing; like Go's note package, keep only the first.
    if (seen.has(key)) continue;
    seen.add(key);
    const verifier = trusted.get(key);
    if (verifier === undefined) {
      unverified.push(signature);
      continue;
    }
    const valid =
      signature.signature.length === ED25519_SIGNATURE_SIZE &&
      sodium.crypto_sign_verify_detached(signature.signature, message, verifier.publicKey);
    if (!valid) {
      throw new TransparencyError('CHECKPOINT_SIGNATURE_INVALID', `invalid signature by ${key}`);
    }
    verified.push(signature);
  }
  if (verified.length === 0) {
    throw new TransparencyError('UNKNOWN_KEY', 'no signature from a trusted key');
  }
  return { body: note.body, verified, unverified };
}
