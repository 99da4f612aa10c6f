import { formatCheckpoint, signNote } from '@vaultroom/shared/transparency';
import type { Kysely } from 'kysely';
import sodium from 'libsodium-wrappers';
import type { RelayDatabase } from '../db/schema.js';
import { sqliteConnectionOf } from '../db/sqliteConnectionOf.js';
import type { AuditLogKey } from './auditLogKey.js';
import type { AuditReader } from './createAuditReader.js';

/** How long a forced checkpoint waits for other transactions on the connection to end. */
const WAIT_MS = 10;
const MAX_WAITS = 500;

export interface CheckpointPolicy {
  /** Sign as soon as this many events arrived since the last checkpoint. */
  readonly everyEvents: number;
  /** Sign new events at least this often. */
  readonly everySeconds: number;
}

export interface Checkpointer {
  /** Signs a checkpoint if the policy says so (or `force` and there is anything new). */
  maybeCheckpoint(force?: boolean): Promise<string | null>;
}

/** Signs checkpoints of the audit tree per the policy; a no-op when nothing new was logged. */
export function createCheckpointer(options: {
  db: Kysely<RelayDatabase>;
  reader: AuditReader;
  key: AuditLogKey;
  origin: string;
  policy: CheckpointPolicy;
  now?: () => Date;
}): Checkpointer {
  const now = options.now ?? (() => new Date());
  const sqlite = sqliteConnectionOf(options.db);
  const insert = sqlite.prepare<[number, string, string]>(
    'INSERT INTO audit_checkpoints (tree_size, note, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING',
  );
  return {
    async maybeCheckpoint(force = false) {
      await sodium.ready;
      // The reader runs on the connection directly. Beside another caller's open transaction
      // (waiting on an await) it would see that transaction's uncommitted events, and a checkpoint
      // signed over them would outlive their rollback: wait for it to end.
      for (let tries = 0; sqlite.inTransaction; tries++) {
        if (!force || tries >= MAX_WAITS) return null;
        await new Promise((resolve) => setTimeout(resolve, WAIT_MS));
      }
      // From here on synchronous: nothing else runs on the connection until the insert is done.
      const size = options.reader.size();
      const latest = options.reader.latestCheckpoint();
      const lastSize = latest?.tree_size ?? 0;
      if (size <= lastSize) return null;
      const age = latest === null ? Infinity : now().getTime() - Date.parse(latest.created_at);
      const due =
        force ||
        size - lastSize >= options.policy.everyEvents ||
        age >= options.policy.everySeconds * 1000;
      if (!due) return null;
      const body = formatCheckpoint({
        origin: options.origin,
        size,
        rootHash: options.reader.root(size),
      });
      const note = signNote(body, options.key.signer, sodium);
      insert.run(size, note, now().toISOString());
      return note;
    },
  };
}
