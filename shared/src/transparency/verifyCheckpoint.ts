import { parseCheckpoint } from './parseCheckpoint.js';
import { TransparencyError } from './TransparencyError.js';
import type { Checkpoint, Ed25519Api, NoteVerifier } from './types.js';
import { verifyNote } from './verifyNote.js';

/**
 * Verifies a signed checkpoint and returns the tree head it states: the note must carry a valid
 * signature by one of `verifiers` (see verifyNote), parse as a checkpoint, and name the expected
 * log. Checking the origin matters: a key may sign for several logs, and a checkpoint of one must
 * not be accepted as a checkpoint of another.
 */
export function verifyCheckpoint(
  text: string,
  expected: { readonly origin: string; readonly verifiers: readonly NoteVerifier[] },
  sodium: Ed25519Api,
): Checkpoint {
  const note = verifyNote(text, expected.verifiers, sodium);
  const checkpoint = parseCheckpoint(note.body);
  if (checkpoint.origin !== expected.origin) {
    throw new TransparencyError(
      'CHECKPOINT_ORIGIN_MISMATCH',
      `checkpoint is for origin "${checkpoint.origin}", expected "${expected.origin}"`,
    );
  }
  return checkpoint;
}
