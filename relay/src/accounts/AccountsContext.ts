import type { Kysely } from 'kysely';
import type { RelayDatabase } from '../db/schema.js';
import type { WriteStore } from '../db/WriteStore.js';
import type { Logger } from '../log/createLogger.js';
import type { RateLimiter } from '../limits/createRateLimiter.js';

export type RegistrationMode = 'invite' | 'open';

export interface AccountSettings {
  readonly rpName: string;
  /** The canonical host name: the RP ID passkeys are made for. */
  readonly rpId: string;
  /** Origins a ceremony may come from: the canonical one and, where allowed, localhost. */
  readonly origins: () => readonly string[];
  /** The origin invite links point at. */
  readonly publicOrigin: () => string;
  readonly registrationMode: RegistrationMode;
  readonly sessionIdleMs: number;
  readonly sessionMaxMs: number;
  readonly challengeTtlMs: number;
  /** Envelopes expire after this long; a device not seen for as long is reported to admins. */
  readonly retentionMs: number;
}

/** Everything the accounts feature needs from the rest of the relay, passed in explicitly. */
export interface AccountsContext {
  /** Reads. */
  readonly db: Kysely<RelayDatabase>;
  /** Writes: one operation, one short transaction (see transact). */
  readonly writes: WriteStore;
  readonly settings: AccountSettings;
  readonly now: () => Date;
  /** Per client address: ceremonies and invite look-ups. */
  readonly addressLimiter: RateLimiter;
  /** Per account: failed sign-ins only, so a flood of bad attempts locks the account briefly. */
  readonly accountLimiter: RateLimiter;
  /** Told when sessions end, so their live connections can be closed at once. */
  readonly onSessionsEnded: (sessionIds: readonly string[]) => void;
  /** Reduces a client address to a keyed hash before it is stored anywhere. */
  readonly clientTag: (address: string) => string;
  readonly log: Logger;
}

/** The facts about the caller that security events record. */
export interface ClientInfo {
  readonly address: string;
  readonly userAgent: string;
}

/** Who performs an administrative action: an admin's session, or the operator at the command line (null). */
export interface Actor {
  readonly accountId: string | null;
}
