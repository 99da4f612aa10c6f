import { decodeBase64 } from './base64.js';
import { HASH_SIZE, NOTE_MAX_TEXT_LINES } from './constants.js';
import { isValidNoteCharacters } from './noteText.js';
import { TransparencyError } from './TransparencyError.js';
import type { Checkpoint } from './types.js';

function fail(message: string): never {
  throw new TransparencyError('CHECKPOINT_MALFORMED', message);
}

/** Decimal with no sign and no leading zero (c2sp.org/tlog-checkpoint, tree size). */
const CANONICAL_DECIMAL = /^(?:0|[1-9][0-9]*)$/;

/**
 * Parses checkpoint note text (c2sp.org/tlog-checkpoint, Note text). Strict: exactly one spelling
 * of each value is accepted, so two different texts never state the same tree head. The text is
 * not authenticated here: take it from verifyCheckpoint, or from verifyNote's result.
 */
export function parseCheckpoint(body: string): Checkpoint {
  if (!isValidNoteCharacters(body)) fail('control character or invalid Unicode in checkpoint');
  if (!body.endsWith('\n')) fail('checkpoint text must end with a newline');
  const lines = body.slice(0, -1).split('\n');
  if (lines.length > NOTE_MAX_TEXT_LINES) fail(`more than ${NOTE_MAX_TEXT_LINES} lines`);
  const [origin, sizeText, rootText, ...extensions] = lines;
  if (origin === undefined || sizeText === undefined || rootText === undefined) {
    fail(`checkpoint has ${lines.length} lines, expected at least 3`);
  }
  if (origin.length === 0) fail('origin is empty');
  if (!CANONICAL_DECIMAL.test(sizeText)) fail('tree size is not a canonical decimal number');
  const size = Number(sizeText);
  if (!Number.isSafeInteger(size)) fail('tree size is beyond 2^53 - 1');
  let rootHash: Uint8Array;
  try {
    rootHash = decodeBase64(rootText);
  } catch {
    fail('root hash is not canonical base64');
  }
  if (rootHash.length !== HASH_SIZE) {
    fail(`root hash has ${rootHash.length} bytes, expected ${HASH_SIZE}`);
  }
  if (extensions.some((line) => line.length === 0)) fail('empty extension line');
  return { origin, size, rootHash, extensions };
}
