import {
  ONE_TIME_PREKEY_LOW_WATER,
  SIGNED_PREKEY_GRACE_MS,
  SIGNED_PREKEY_ROTATION_MS,
} from './labels.js';

interface DatedPrekey {
  readonly id: number;
  readonly createdAt: number;
}

export interface PrekeySchedule {
  /** True when the newest signed (or PQ) prekey is older than SIGNED_PREKEY_ROTATION_MS. */
  readonly rotateNow: boolean;
  /** Ids of prekeys to delete: those superseded more than SIGNED_PREKEY_GRACE_MS ago. */
  readonly retire: readonly number[];
}

/**
 * The rotation schedule of PROTOCOL.md §1.4.4, for signed X25519 prekeys and X-Wing prekeys
 * alike. The newest key is never retired; a superseded key is kept for the grace period so
 * first messages still in mailboxes can complete their handshake.
 */
export function prekeysToRetire(prekeys: readonly DatedPrekey[], now: number): PrekeySchedule {
  if (prekeys.length === 0) return { rotateNow: true, retire: [] };
  const sorted = [...prekeys].sort((a, b) => a.createdAt - b.createdAt);
  const retire: number[] = [];
  // A key's grace period starts when the next newer key superseded it.
  for (let i = 0; i + 1 < sorted.length; i++) {
    const key = sorted[i];
    const successor = sorted[i + 1];
    if (key && successor && now - successor.createdAt > SIGNED_PREKEY_GRACE_MS) retire.push(key.id);
  }
  const newest = sorted[sorted.length - 1];
  const rotateNow = newest === undefined || now - newest.createdAt >= SIGNED_PREKEY_ROTATION_MS;
  return { rotateNow, retire };
}

/** True when the server holds fewer one-time prekeys than the low-water mark (§1.4.4). */
export function needsMoreOneTimePrekeys(remainingOnServer: number): boolean {
  return remainingOnServer < ONE_TIME_PREKEY_LOW_WATER;
}
