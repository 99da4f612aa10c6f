/** Longest part of a refused value an error message repeats; the rest is elided. */
const MAX_SHOWN = 80;

/**
 * A refused setting value as an error message shows it: in quotes, cut to a readable length, with
 * newlines, control and format characters (bidi overrides among them) escaped, so the message
 * stays the one line the operator was promised and shows exactly what was typed.
 */
export function quoteSetting(raw: string): string {
  const cut = raw.length > MAX_SHOWN ? `${raw.slice(0, MAX_SHOWN)}…` : raw;
  const escaped = cut.replace(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}"\\]/gu, (char) =>
    char === '"' || char === '\\' ? `\\${char}` : `\\u{${(char.codePointAt(0) ?? 0).toString(16)}}`,
  );
  return `"${escaped}"`;
}
