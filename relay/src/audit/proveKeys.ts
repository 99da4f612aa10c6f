import { ProtocolError } from '@vaultroom/shared/protocol';
import type { RelayDb } from '../db/schema.js';
import { encodeAuditLeaf } from './auditLeaf.js';
import { checkpointCovering, type KeyLog } from './keyLog.js';
import {
  frameBytes as bytes,
  type KeyLogReply as Reply,
  type KeyLogRequest as Frame,
} from './keyLogFrames.js';

/**
 * `prove-keys` (PROTOCOL.md §2.11): for each object hash the relay logged, its key entry's leaf
 * and inclusion proof against the newest checkpoint, and the consistency proof from the size the
 * device trusts. An object never logged is left out: the device refuses it (§1.15.6 rule 7).
 */
export async function proveKeys(
  db: RelayDb,
  log: KeyLog,
  frame: Frame<'prove-keys'>,
): Promise<Reply<'key-proofs'>> {
  const found =
    frame.objects.length === 0
      ? []
      : await db
          .selectFrom('key_entries')
          .select('seq')
          .where(
            'object_hash',
            'in',
            frame.objects.map((hash) => Buffer.from(hash)),
          )
          .execute();
  const newest = Math.max(frame.from, ...found.map((row) => row.seq));
  const checkpoint = await checkpointCovering(log, newest);
  if (checkpoint === null) throw new ProtocolError('LOG_UNAVAILABLE', 'the log is empty');
  if (frame.from > checkpoint.size) {
    // The device trusts a larger tree than the relay signed: a rollback it must be told of.
    throw new ProtocolError(
      'LOG_UNAVAILABLE',
      'the log is smaller than the size the device trusts',
    );
  }
  const entries = [];
  for (const { seq } of found) {
    const row = await db
      .selectFrom('audit_events')
      .select([
        'seq',
        'at',
        'type',
        'outcome',
        'actor_account_id',
        'actor_device_id',
        'target',
        'client',
        'user_agent',
        'details',
      ])
      .where('seq', '=', seq)
      .executeTakeFirst();
    // A pruned entry is not provable: the object is treated as never logged.
    if (row === undefined) continue;
    entries.push({
      seq,
      leaf: bytes(encodeAuditLeaf(row)),
      proof: (await log.reader.inclusion(seq, checkpoint.size)).map(bytes),
    });
  }
  return {
    t: 'key-proofs',
    id: frame.id,
    checkpoint: checkpoint.note,
    verifierKey: log.verifierKey,
    entries,
    consistency: await consistencyFrom(log, frame.from, checkpoint.size),
  };
}

/** The consistency proof from `from` to `to`, through pruning links when `from` is below them. */
export async function consistencyFrom(
  log: KeyLog,
  from: number,
  to: number,
): Promise<Reply<'key-proofs'>['consistency']> {
  if (from === 0 || from === to) return { links: [], proof: [] };
  const prunedSize = await log.reader.prunedSize();
  if (from >= prunedSize)
    return { links: [], proof: (await log.reader.consistency(from, to)).map(bytes) };
  const links = await log.reader.linksFrom(from);
  if (links === null) {
    throw new ProtocolError('LOG_UNAVAILABLE', 'no consistency proof from a pruned size');
  }
  return {
    links: links.map((link) => ({
      size: link.size,
      rootHash: bytes(link.rootHash),
      proof: link.proof.map(bytes),
    })),
    proof: (await log.reader.consistency(prunedSize, to)).map(bytes),
  };
}
