import type { AuditReader } from './createAuditReader.js';
import type { Checkpointer } from './createCheckpointer.js';

/** What the key-transparency requests read: the log, its signer and how it is named (§2.11). */
export interface KeyLog {
  readonly reader: AuditReader;
  readonly checkpointer: Checkpointer;
  readonly verifierKey: string;
}

/**
 * The newest signed checkpoint, covering at least `size` events: signed now when the newest is
 * older, so a key published a moment ago is provable at once (trust changes are rare, a
 * signature is cheap). Null only when the log is empty.
 */
export async function checkpointCovering(
  log: KeyLog,
  size: number,
): Promise<{ readonly note: string; readonly size: number } | null> {
  let latest = await log.reader.latestCheckpoint();
  if (latest === null || latest.tree_size < size) {
    await log.checkpointer.maybeCheckpoint(true);
    latest = await log.reader.latestCheckpoint();
  }
  return latest === null ? null : { note: latest.note, size: latest.tree_size };
}
