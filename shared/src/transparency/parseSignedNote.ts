import { decodeBase64 } from './base64.js';
import {
  KEY_ID_SIZE,
  NOTE_MAX_BYTES,
  NOTE_MAX_SIGNATURES,
  NOTE_MAX_TEXT_LINES,
  NOTE_SIGNATURE_PREFIX,
} from './constants.js';
import { isValidKeyName, isValidNoteCharacters } from './noteText.js';
import { TransparencyError } from './TransparencyError.js';
import type { NoteSignature, SignedNote } from './types.js';

function fail(message: string): never {
  throw new TransparencyError('NOTE_MALFORMED', message);
}

function utf8Length(text: string): number {
  let bytes = 0;
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0;
    bytes += code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
  }
  return bytes;
}

/**
 * Splits a signed note into its text and signature lines (c2sp.org/signed-note, Format) without
 * verifying anything. Strict: the whole input must be text, a blank line, then one or more lines
 * `— <key name> <base64(key ID || signature)>`, each ending in a newline; no control characters
 * but newline (so no CR), canonical base64, and bounded size, line and signature counts.
 */
export function parseSignedNote(text: string): SignedNote {
  // UTF-8 never takes fewer bytes than UTF-16 code units, so this bounds the work below.
  if (text.length > NOTE_MAX_BYTES || utf8Length(text) > NOTE_MAX_BYTES) {
    fail(`note is larger than ${NOTE_MAX_BYTES} bytes`);
  }
  if (!isValidNoteCharacters(text)) fail('control character or invalid Unicode in note');

  // The text is separated from the signatures by the last empty line in the note.
  const split = text.lastIndexOf('\n\n');
  if (split < 0) fail('no blank line before the signatures');
  const body = text.slice(0, split + 1);
  const signatureBlock = text.slice(split + 2);
  if (!signatureBlock.endsWith('\n')) fail('signature block is empty or lacks its final newline');
  if (body.split('\n').length - 1 > NOTE_MAX_TEXT_LINES) {
    fail(`note text has more than ${NOTE_MAX_TEXT_LINES} lines`);
  }

  const lines = signatureBlock.slice(0, -1).split('\n');
  if (lines.length > NOTE_MAX_SIGNATURES) fail(`more than ${NOTE_MAX_SIGNATURES} signatures`);
  const signatures = lines.map((line): NoteSignature => {
    if (!line.startsWith(NOTE_SIGNATURE_PREFIX)) fail('signature line does not start with "— "');
    const rest = line.slice(NOTE_SIGNATURE_PREFIX.length);
    const space = rest.indexOf(' ');
    if (space < 0) fail('signature line has no space between key name and signature');
    const name = rest.slice(0, space);
    if (!isValidKeyName(name)) fail('key name is empty or has a space or plus');
    let bytes: Uint8Array;
    try {
      bytes = decodeBase64(rest.slice(space + 1));
    } catch {
      fail('signature is not canonical base64');
    }
    if (bytes.length <= KEY_ID_SIZE) fail('signature is too short to hold a key ID');
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    return { name, keyId: view.getUint32(0, false), signature: bytes.slice(KEY_ID_SIZE) };
  });
  return { body, signatures };
}
