import type { Kysely } from 'kysely';
import type { AuthenticatedSession } from '../accounts/sessions.js';
import type { RelayDatabase } from '../db/schema.js';
import type { WriteStore } from '../db/WriteStore.js';
import type { Logger } from '../log/createLogger.js';

export interface BlobSettings {
  /** Largest Upload-Length: the ciphertext of the largest file allowed (PROTOCOL.md §1.16.1). */
  readonly maxLength: number;
  /** Blob bytes one account may hold, unfinished uploads counted at their full length. */
  readonly quotaBytes: number;
  /** A finished blob is deleted this long after it was completed (the envelope retention). */
  readonly retentionMs: number;
  /** An upload not finished this long after its creation is deleted with its bytes. */
  readonly uploadExpiryMs: number;
}

/** Everything the blob store needs from the rest of the relay, passed in explicitly. */
export interface BlobContext {
  /** Reads. */
  readonly db: Kysely<RelayDatabase>;
  /** Writes: one operation, one short transaction. */
  readonly writes: WriteStore;
  /** `<data>/blobs`: one file per blob, named by its id and nothing else. */
  readonly dir: string;
  readonly settings: BlobSettings;
  readonly now: () => number;
  /** The session behind a cookie header, or an UNAUTHENTICATED ApiError. */
  readonly session: (cookieHeader: string) => Promise<AuthenticatedSession>;
  readonly allowedOrigins: () => readonly string[];
  /** Ids with a PATCH in progress: one writer per upload, and the sweep leaves them alone. */
  readonly busy: Set<string>;
  readonly log: Logger;
}
