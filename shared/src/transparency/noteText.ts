/**
 * Character rules shared by note parsing, signing and checkpoints (c2sp.org/signed-note, Format).
 */

/** Unicode spaces (the White_Space property, as Go's unicode.IsSpace) and plus. */
const NOT_IN_KEY_NAME = /[\p{White_Space}+]/u;

/**
 * Whether `text` is valid UTF-8 text with no control characters but newline: nothing below
 * U+0020 except U+000A (so no CR and no tab), and no lone surrogate, which has no UTF-8 encoding
 * and would be silently replaced when the text is encoded for signing.
 */
export function isValidNoteCharacters(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 && c !== 0x0a) return false;
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (!(next >= 0xdc00 && next <= 0xdfff)) return false;
      i++;
    } else if (c >= 0xdc00 && c <= 0xdfff) {
      return false;
    }
  }
  return true;
}

/** Key names must be non-empty and contain no Unicode spaces and no plus. */
export function isValidKeyName(name: string): boolean {
  return name.length > 0 && isValidNoteCharacters(name) && !NOT_IN_KEY_NAME.test(name);
}
