/**
 * The handle rule, for the relay and every client alike. A handle is shown as its owner spells
 * it and compared, looked up and stored by its key, the lower-case form: the relay's unique
 * `handle_key` column and the chat engine's conversation and contact ids are keys.
 */

/** Handles: 3 to 32 characters, letters, digits, `_`, `.` and `-`, starting with a letter. */
export const HANDLE_PATTERN = /^[a-zA-Z][a-zA-Z0-9_.-]{2,31}$/;

/**
 * A handle as a person typed it: surrounding spaces and one leading `@` dropped, the case kept.
 * Not checked against {@link HANDLE_PATTERN}: the relay does that, and answers for any handle
 * it does not know.
 */
export function handleFromInput(text: string): string {
  return text.trim().replace(/^@/, '');
}

/**
 * The key of a handle: its lower-case form. Only ASCII passes {@link HANDLE_PATTERN}, so for any
 * valid handle this is ASCII case folding, the same in every locale.
 */
export function handleKey(handle: string): string {
  return handle.toLowerCase();
}

/** The key of a handle as a person typed it: {@link handleFromInput}, then {@link handleKey}. */
export function normalizeHandle(text: string): string {
  return handleKey(handleFromInput(text));
}
