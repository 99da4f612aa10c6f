import { decodeAuditLeaf } from './auditLeaf.js';
import { equalBytes } from './equalBytes.js';
import type { Frontier } from './Frontier.js';
import { hashLeaf } from './hashLeaf.js';
import { readKeyEntry, type KeyEntry } from './keyEntry.js';
import { TransparencyError } from './TransparencyError.js';
import type { Checkpoint } from './types.js';

/**
 * One step of monitoring (PROTOCOL.md §3.9): the leaves after what the device verified are
 * appended to its frontier, and once the frontier reaches the checkpoint's size its root must be
 * the checkpoint's. Returns the key entries among the leaves. A root that differs means the relay
 * served other leaves than the ones it signed: TransparencyError.
 */
export function scanLogLeaves(
  frontier: Frontier,
  leaves: readonly Uint8Array[],
  checkpoint: Pick<Checkpoint, 'size' | 'rootHash'>,
): KeyEntry[] {
  const entries: KeyEntry[] = [];
  for (const leaf of leaves) {
    if (frontier.size >= checkpoint.size) {
      throw new TransparencyError('INCLUSION_PROOF_INVALID', 'leaves past the checkpoint');
    }
    const fields = decodeAuditLeaf(leaf);
    if (fields.seq !== frontier.size + 1) {
      throw new TransparencyError('LEAF_MALFORMED', `leaf ${String(fields.seq)} out of order`);
    }
    const entry = readKeyEntry(fields);
    if (entry !== null) entries.push(entry);
    frontier.append(hashLeaf(leaf));
  }
  if (frontier.size === checkpoint.size && !equalBytes(frontier.root(), checkpoint.rootHash)) {
    throw new TransparencyError(
      'INCLUSION_PROOF_INVALID',
      `the leaves do not make the signed root at size ${String(checkpoint.size)}`,
    );
  }
  return entries;
}
