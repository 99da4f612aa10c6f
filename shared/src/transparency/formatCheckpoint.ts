import { isTreeNumber } from './bits.js';
import { encodeBase64 } from './base64.js';
import { HASH_SIZE } from './constants.js';
import { isValidNoteCharacters } from './noteText.js';
import { TransparencyError } from './TransparencyError.js';

function isValidLine(line: string): boolean {
  return line.length > 0 && !line.includes('\n') && isValidNoteCharacters(line);
}

/**
 * The note text of a checkpoint (c2sp.org/tlog-checkpoint, Note text): origin, tree size in
 * decimal, base64 root hash, then any extension lines, each ending in a newline. Sign it with
 * signNote.
 */
export function formatCheckpoint(checkpoint: {
  readonly origin: string;
  readonly size: number;
  readonly rootHash: Uint8Array;
  readonly extensions?: readonly string[];
}): string {
  const { origin, size, rootHash, extensions = [] } = checkpoint;
  if (!isValidLine(origin)) {
    throw new TransparencyError('CHECKPOINT_MALFORMED', 'origin must be one non-empty line');
  }
  if (!isTreeNumber(size)) {
    throw new TransparencyError('CHECKPOINT_MALFORMED', 'tree size must be a safe integer >= 0');
  }
  if (rootHash.length !== HASH_SIZE) {
    throw new TransparencyError(
      'CHECKPOINT_MALFORMED',
      `root hash has ${rootHash.length} bytes, expected ${HASH_SIZE}`,
    );
  }
  if (!extensions.every(isValidLine)) {
    throw new TransparencyError('CHECKPOINT_MALFORMED', 'extension lines must be non-empty lines');
  }
  const lines = [origin, String(size), encodeBase64(rootHash), ...extensions];
  return lines.map((line) => `${line}\n`).join('');
}
