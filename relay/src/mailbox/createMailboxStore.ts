import type SQLite from 'better-sqlite3';

export interface EnvelopeRow {
  readonly id: string;
  readonly recipientDeviceId: string;
  readonly senderDeviceId: string;
  readonly msgId: Uint8Array<ArrayBuffer>;
  readonly body: Uint8Array<ArrayBuffer>;
  readonly acceptedAt: number;
  readonly expiresAt: number;
}

export interface StoredEnvelope extends EnvelopeRow {
  readonly seq: number;
}

export interface MailboxStore {
  /** Commits envelopes in one durable transaction; a retried send (same key) is ignored. */
  insertMany(rows: readonly EnvelopeRow[]): void;
  /** Deletes acked envelopes, only from the acking device's own mailbox. */
  deleteAcked(deviceId: string, ids: readonly string[]): number;
  /** The next envelopes of a mailbox after `afterSeq`, oldest first. */
  after(deviceId: string, afterSeq: number, limit: number, now: number): StoredEnvelope[];
  /** Of these device ids, the ones that exist and are not revoked. */
  liveDevices(ids: readonly string[]): Set<string>;
  /** Deletes envelopes past their retention. */
  expire(now: number): number;
}

/**
 * The mailbox's SQL. This is the relay's hot path, and it runs on the better-sqlite3 connection
 * directly: each operation is synchronous, so a group commit can never interleave with an ack for
 * the same envelopes, and prepared statements skip query building per message.
 */
export function createMailboxStore(sqlite: SQLite.Database): MailboxStore {
  const insert = sqlite.prepare(
    `INSERT OR IGNORE INTO envelopes (id, recipient_device_id, sender_device_id, msg_id, body, accepted_at, expires_at)
     VALUES (?, ?, ?, ?, ?, ?, ?)`,
  );
  const remove = sqlite.prepare('DELETE FROM envelopes WHERE id = ? AND recipient_device_id = ?');
  const next = sqlite.prepare<
    [string, number, number, number],
    {
      seq: number;
      id: string;
      sender_device_id: string;
      msg_id: Buffer;
      body: Buffer;
      accepted_at: number;
      expires_at: number;
    }
  >(
    `SELECT seq, id, sender_device_id, msg_id, body, accepted_at, expires_at FROM envelopes
     WHERE recipient_device_id = ? AND seq > ? AND expires_at > ? ORDER BY seq LIMIT ?`,
  );
  const live = sqlite.prepare<[string], { id: string }>(
    'SELECT id FROM devices WHERE revoked_at IS NULL AND id IN (SELECT value FROM json_each(?))',
  );
  const expired = sqlite.prepare('DELETE FROM envelopes WHERE expires_at <= ?');

  const insertAll = sqlite.transaction((rows: readonly EnvelopeRow[]) => {
    for (const row of rows) {
      insert.run(
        row.id,
        row.recipientDeviceId,
        row.senderDeviceId,
        row.msgId,
        row.body,
        row.acceptedAt,
        row.expiresAt,
      );
    }
  });
  const removeAll = sqlite.transaction((deviceId: string, ids: readonly string[]) => {
    let count = 0;
    for (const id of ids) count += remove.run(id, deviceId).changes;
    return count;
  });

  return {
    insertMany: (rows) => {
      insertAll(rows);
    },
    deleteAcked: (deviceId, ids) => removeAll(deviceId, ids),
    after: (deviceId, afterSeq, limit, now) =>
      next.all(deviceId, afterSeq, now, limit).map((row) => ({
        seq: row.seq,
        id: row.id,
        recipientDeviceId: deviceId,
        senderDeviceId: row.sender_device_id,
        // better-sqlite3 returns Buffers over plain (never shared) ArrayBuffers.
        msgId: row.msg_id as Uint8Array<ArrayBuffer>,
        body: row.body as Uint8Array<ArrayBuffer>,
        acceptedAt: row.accepted_at,
        expiresAt: row.expires_at,
      })),
    liveDevices: (ids) => new Set(live.all(JSON.stringify(ids)).map((row) => row.id)),
    expire: (now) => expired.run(now).changes,
  };
}
