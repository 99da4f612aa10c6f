import { formatCheckpoint, signNote } from '@vaultroom/shared/transparency';
import { changes, first, type WriteStore } from '../db/WriteStore.js';
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
  /**
   * Signs a checkpoint if the policy says so and this relay leads (or `force` and there is
   * anything new, leading or not: a key-transparency request needs one now).
   */
  maybeCheckpoint(force?: boolean): Promise<string | null>;
}

export class CheckpointConflictError extends Error {
  readonly code = 'AUDIT_CHECKPOINT_CONFLICT';
  constructor(size: number) {
    super(
      `another checkpoint at size ${size} is stored with a different note: the relays sharing this database sign with different audit log keys or see different trees`,
    );
    this.name = 'CheckpointConflictError';
  }
}

/**
 * Signs checkpoints of the audit tree per the policy; a no-op when nothing new was logged.
 *
 * Several relays on one PostgreSQL database share the log. Only the one `leads` elects signs on
 * the policy's schedule; any relay may sign when forced. They can never store two different notes
 * for one size: the root of a size is fixed once its events are committed (appends are
 * serialized and never rewrite), every relay signs with the same key (pinAuditLogKey), and
 * Ed25519 signatures are deterministic, so two relays signing one size produce the same note
 * byte for byte. The insert keeps the first one, and a differing note already stored is an error
 * (CheckpointConflictError) rather than silently kept.
 */
export function createCheckpointer(options: {
  writes: WriteStore;
  reader: AuditReader;
  key: AuditLogKey;
  origin: string;
  policy: CheckpointPolicy;
  /** Whether this relay signs on schedule (the elected one of several); always, if not given. */
  leads?: () => Promise<boolean>;
  now?: () => Date;
}): Checkpointer {
  const now = options.now ?? (() => new Date());
  const leads = options.leads ?? (() => Promise.resolve(true));

  async function checkpoint(force: boolean): Promise<string | null> {
    if (!force && !(await leads())) return null;
    const size = await options.reader.size();
    const latest = await options.reader.latestCheckpoint();
    const lastSize = latest?.tree_size ?? 0;
    if (size <= lastSize) return null;
    const age = latest === null ? Infinity : now().getTime() - Date.parse(latest.created_at);
    const due =
      force ||
      size - lastSize >= options.policy.everyEvents ||
      age >= options.policy.everySeconds * 1000;
    if (!due) return null;
    const sodium = await loadSodium();
    const body = formatCheckpoint({
      origin: options.origin,
      size,
      rootHash: await options.reader.root(size),
    });
    const note = signNote(body, options.key.signer, sodium);
    const createdAt = now().toISOString();
    await options.writes.write(function* (tx) {
      yield* changes(
        tx.db
          .insertInto('audit_checkpoints')
          .values({ tree_size: size, note, created_at: createdAt })
          .onConflict((conflict) => conflict.doNothing()),
      );
      const stored = yield* first(
        tx.db.selectFrom('audit_checkpoints').select('note').where('tree_size', '=', size),
      );
      if (stored?.note !== note) throw new CheckpointConflictError(size);
    });
    return note;
  }

  // One signing at a time per relay: a forced one and the timer's never race each other.
  let tail: Promise<unknown> = Promise.resolve();
  return {
    maybeCheckpoint(force = false) {
      const run = tail.then(() => checkpoint(force));
      tail = run.catch(() => undefined);
      return run;
    },
  };
}
