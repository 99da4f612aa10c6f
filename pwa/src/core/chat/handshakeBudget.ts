/**
 * A bound on the work forged first messages can make a device do (PROTOCOL.md §1.5.7). Opening
 * a prekey message costs an Ed25519 verification, four X25519 operations, an ML-KEM
 * decapsulation and up to MAX_SKIP chain steps before its MAC can fail, and any account can send
 * them. Each account may fail FAILED_FIRST_MESSAGES_PER_WINDOW of them per window; its further
 * prekey messages in that window are refused before any of that work. Honest first messages do
 * not fail, so an honest account never comes near it; and it is per account, so a forger's
 * refusals never cost anyone else a message.
 */
export const FAILED_FIRST_MESSAGES_PER_WINDOW = 10;
export const FIRST_MESSAGE_WINDOW_MS = 60 * 60 * 1000;
/** Accounts tracked at once; the oldest is forgotten past it, so the map stays small. */
const TRACKED_ACCOUNTS = 1000;

export interface HandshakeBudget {
  /** False while the account has used up its failures in the current window. */
  allows(account: string, now: number): boolean;
  /** Counts one failed first message from the account. */
  spend(account: string, now: number): void;
}

export function createHandshakeBudget(
  limit = FAILED_FIRST_MESSAGES_PER_WINDOW,
  windowMs = FIRST_MESSAGE_WINDOW_MS,
): HandshakeBudget {
  const failures = new Map<string, number[]>();
  const recent = (account: string, now: number): number[] => {
    const kept = (failures.get(account) ?? []).filter((at) => now - at < windowMs);
    if (kept.length === 0) failures.delete(account);
    else failures.set(account, kept);
    return kept;
  };
  return {
    allows: (account, now) => recent(account, now).length < limit,
    spend(account, now) {
      const kept = recent(account, now);
      // Re-inserted last, so iteration order is least recently failed first.
      failures.delete(account);
      failures.set(account, [...kept, now]);
      if (failures.size > TRACKED_ACCOUNTS) {
        const oldest = failures.keys().next().value;
        if (oldest !== undefined) failures.delete(oldest);
      }
    },
  };
}
