import { formatCheckpoint, signNote } from '@vaultroom/shared/transparency';
import type SQLite from 'better-sqlite3';
import { loadSodium } from '../sodium/loadSodium.js';
import type { AuditLogKey } from './auditLogKey.js';
import type { AuditReader } from './createAuditReader.js';

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
  /** The connection the reader reads: the signed size must be what the insert commits beside. */
  sqlite: SQLite.Database;
  reader: AuditReader;
  key: AuditLogKey;
  origin: string;
  policy: CheckpointPolicy;
  now?: () => Date;
}): Checkpointer {
  const now = options.now ?? (() => new Date());
  const insert = options.sqlite.prepare<[number, string, string]>(
    'INSERT INTO audit_checkpoints (tree_size, note, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING',
  );
  return {
    async maybeCheckpoint(force = false) {
      const sodium = await loadSodium();
      // From here on synchronous: nothing else runs on the connection until the insert is done,
      // and no transaction is ever open between two turns of the event loop (WriteStore), so the
      // reader sees committed events only.
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
