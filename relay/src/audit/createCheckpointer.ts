import { formatCheckpoint, signNote } from '@vaultroom/shared/transparency';
import type { Kysely } from 'kysely';
import sodium from 'libsodium-wrappers';
import type { RelayDatabase } from '../db/schema.js';
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
  db: Kysely<RelayDatabase>;
  reader: AuditReader;
  key: AuditLogKey;
  origin: string;
  policy: CheckpointPolicy;
  now?: () => Date;
}): Checkpointer {
  const now = options.now ?? (() => new Date());
  return {
    async maybeCheckpoint(force = false) {
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
      await sodium.ready;
      const body = formatCheckpoint({
        origin: options.origin,
        size,
        rootHash: options.reader.root(size),
      });
      const note = signNote(body, options.key.signer, sodium);
      await options.db
        .insertInto('audit_checkpoints')
        .values({ tree_size: size, note, created_at: now().toISOString() })
        .onConflict((oc) => oc.doNothing())
        .execute();
      return note;
    },
  };
}
