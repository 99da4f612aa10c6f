import { HANDLE_PATTERN, type PushPayloadView } from '@vaultroom/shared';

/** More than any relay would count between two pushes; a larger count is shown as this. */
const MAX_COUNT = 9999;

/**
 * The decrypted push (PROTOCOL.md §2.8), checked: JSON with a positive whole `count` and, at most,
 * a `from` that is a handle. Anything else (an empty push, a relay of another version) reads as one
 * item from no one named, so a notification still shows.
 */
export function readPushPayload(text: string | null): PushPayloadView {
  let value: unknown;
  try {
    value = text === null ? null : JSON.parse(text);
  } catch {
    value = null;
  }
  if (typeof value !== 'object' || value === null) return { count: 1 };
  const { count, from } = value as { count?: unknown; from?: unknown };
  const whole =
    typeof count === 'number' && Number.isInteger(count) && count > 0
      ? Math.min(count, MAX_COUNT)
      : 1;
  return typeof from === 'string' && HANDLE_PATTERN.test(from)
    ? { count: whole, from }
    : { count: whole };
}
