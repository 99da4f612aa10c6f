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
 * `fetch-log` (PROTOCOL.md §2.11): the leaves after `from`, up to the newest checkpoint (signed
 * now if it does not reach as far as the request and the log go), and the
 * tree's edge at `from`, so a device monitoring its own account recomputes the signed root from
 * what it verified before plus these leaves.
 */
export async function readLogLeaves(
  db: RelayDb,
  log: KeyLog,
  frame: Frame<'fetch-log'>,
): Promise<Reply<'log-leaves'>> {
  // A monitor reading to the end is given every leaf logged so far: a checkpoint is signed for
  // the tail if the newest lags behind it, so a device registered a moment ago is in what it reads.
  const checkpoint = await checkpointCovering(
    log,
    Math.max(frame.from, Math.min(await log.reader.size(), frame.from + frame.limit)),
  );
  if (checkpoint === null || frame.from > checkpoint.size) {
    throw new ProtocolError('LOG_UNAVAILABLE', 'the log is smaller than the size asked from');
  }
  if (frame.from < (await log.reader.prunedSize())) {
    throw new ProtocolError('LOG_UNAVAILABLE', 'the leaves asked for were pruned');
  }
  const last = Math.min(checkpoint.size, frame.from + frame.limit);
  const rows = await db
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
    .where('seq', '>', frame.from)
    .where('seq', '<=', last)
    .orderBy('seq')
    .execute();
  if (rows.length !== last - frame.from) {
    throw new ProtocolError('LOG_UNAVAILABLE', 'the log has a gap');
  }
  return {
    t: 'log-leaves',
    id: frame.id,
    checkpoint: checkpoint.note,
    edge: (await log.reader.edge(frame.from)).map(bytes),
    leaves: rows.map((row) => bytes(encodeAuditLeaf(row))),
  };
}
