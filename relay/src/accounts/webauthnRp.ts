import type { AccountsContext } from './AccountsContext.js';

/**
 * The RP ID a ceremony runs under. Passkeys belong to the canonical host name; where the relay
 * allows it (VAULTROOM_ALLOW_LOCALHOST), the app may also be opened as https://localhost on its
 * own machine, which browsers treat as its own RP ID.
 */
export function rpIdFor(ctx: AccountsContext, origin: string): string {
  try {
    if (new URL(origin).hostname === 'localhost' && ctx.settings.origins().includes(origin)) {
      return 'localhost';
    }
  } catch {
    // A missing or malformed Origin falls through to the canonical RP ID and fails verification.
  }
  return ctx.settings.rpId;
}

/** Reads a string field of a stored ceremony context, which the relay itself wrote. */
export function contextString(context: Record<string, unknown>, key: string): string {
  const value = context[key];
  if (typeof value !== 'string') throw new Error(`ceremony context lacks ${key}`);
  return value;
}
