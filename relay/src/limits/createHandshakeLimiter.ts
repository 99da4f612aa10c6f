import { createHash } from 'node:crypto';
import { decodePrekeyMessage, peekMessageType } from '@vaultroom/shared/crypto';

/** One envelope of a send: its recipient device and its opaque body. */
export interface Addressed {
  readonly device: string;
  readonly body: Uint8Array;
}

/**
 * How many different first-message handshakes (PROTOCOL.md §1.5.7) one account may start towards
 * one device per window. Each one makes the device run a whole handshake; an honest app starts
 * one per device and starts again only after a reset, so twenty an hour never binds it.
 */
export interface HandshakeLimiter {
  /**
   * Admits every first message of the send, or none: false when one of them would be a new
   * handshake past the limit for its recipient. Repeats of a handshake already admitted (an
   * unanswered session sends its prefix with every message) always pass.
   */
  admit(account: string, envelopes: readonly Addressed[], now: number): boolean;
}

/** The handshake a body starts, as a short digest of its prekey prefix; null for other bodies. */
function handshakeOf(body: Uint8Array): string | null {
  try {
    if (peekMessageType(body) !== 'prekey') return null;
    const { prefix } = decodePrekeyMessage(body);
    return createHash('sha256').update(prefix).digest('base64').slice(0, 22);
  } catch {
    // Not a message the recipient could open either: it fails there before any expensive step.
    return null;
  }
}

export function createHandshakeLimiter(options: {
  readonly perWindow: number;
  readonly windowMs: number;
}): HandshakeLimiter {
  /** (account, device) → handshake digest → when it was first admitted. */
  const seen = new Map<string, Map<string, number>>();
  let lastSweep = 0;

  const current = (pair: string, now: number): Map<string, number> => {
    const handshakes = seen.get(pair) ?? new Map<string, number>();
    for (const [handshake, at] of handshakes) {
      if (now - at >= options.windowMs) handshakes.delete(handshake);
    }
    return handshakes;
  };
  const sweep = (now: number) => {
    if (now - lastSweep < options.windowMs) return;
    lastSweep = now;
    for (const pair of seen.keys()) if (current(pair, now).size === 0) seen.delete(pair);
  };

  return {
    admit(account, envelopes, now) {
      sweep(now);
      const wanted: [string, string][] = [];
      for (const { device, body } of envelopes) {
        const handshake = handshakeOf(body);
        if (handshake === null) continue;
        const pair = `${account}\n${device}`;
        const handshakes = current(pair, now);
        if (handshakes.has(handshake)) continue;
        if (handshakes.size >= options.perWindow) return false;
        wanted.push([pair, handshake]);
      }
      for (const [pair, handshake] of wanted) {
        const handshakes = current(pair, now);
        handshakes.set(handshake, now);
        seen.set(pair, handshakes);
      }
      return true;
    },
  };
}
