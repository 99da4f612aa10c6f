import { DISPLAY_NAME_MAX, HANDLE_PATTERN, handleKey, PASSKEY_NAME_MAX } from '@vaultroom/shared';
import { ApiError } from '../api/ApiError.js';

/**
 * Control and format characters (bidi overrides, zero-width joiners, BOM) never belong in a name
 * people read: they can disguise one name as another.
 */
const UNSAFE_CHARACTERS = /[\p{Cc}\p{Cf}]/u;

/** Length as people count it: a flag or an accented letter is one character. */
function visibleLength(text: string): number {
  return [...new Intl.Segmenter().segment(text)].length;
}

export function parseHandle(value: unknown): { handle: string; key: string } {
  if (typeof value !== 'string' || !HANDLE_PATTERN.test(value)) {
    throw new ApiError(
      'BAD_REQUEST',
      'A handle is 3 to 32 letters, digits, dots, dashes or underscores, starting with a letter',
    );
  }
  return { handle: value, key: handleKey(value) };
}

function parseName(value: unknown, max: number, what: string): string {
  const name = typeof value === 'string' ? value.normalize('NFC').trim() : '';
  if (name.length === 0 || visibleLength(name) > max || UNSAFE_CHARACTERS.test(name)) {
    throw new ApiError('BAD_REQUEST', `${what} must be 1 to ${max} printable characters`);
  }
  return name;
}

export function parseDisplayName(value: unknown): string {
  return parseName(value, DISPLAY_NAME_MAX, 'A display name');
}

export function parsePasskeyName(value: unknown): string {
  return parseName(value, PASSKEY_NAME_MAX, 'A passkey name');
}
