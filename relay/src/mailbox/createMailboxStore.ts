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
  /** The account of the sending device (null if that account was deleted since). */
  readonly senderAccountId: string | null;
}

/**
 * The mailbox's storage. Every method is asynchronous so that it can sit on an engine reached
 * over a connection (PostgreSQL); on SQLite each runs synchronously and only its answer comes a
 * microtask later. Callers keep no invariant across an await that they did not check again after
 * it (see createGroupCommit and createPushRouter).
 */
export interface MailboxStore {
  /**
   * One durable transaction for a loop turn's work (group commit): new envelopes in (a retried
   * send, same key, is ignored), acked envelopes out, each only from the acking device's own
   * mailbox (device id → envelope ids). Either all of it happens or none.
   */
  commit(
    rows: readonly EnvelopeRow[],
    acked: ReadonlyMap<string, readonly string[]>,
  ): Promise<void>;
  /** The next envelopes of a mailbox after `afterSeq`, oldest first. */
  after(deviceId: string, afterSeq: number, limit: number, now: number): Promise<StoredEnvelope[]>;
  /** How many unexpired envelopes a mailbox holds. */
  count(deviceId: string, now: number): Promise<number>;
  /** The body bytes a mailbox holds (for its quota). */
  mailboxBytes(deviceId: string): Promise<number>;
  /** The body bytes of stored envelopes sent by an account's devices (for its quota). */
  bytesSentBy(accountId: string): Promise<number>;
  /** Of these device ids, the ones that exist and are not revoked. */
  liveDevices(ids: readonly string[]): Promise<Set<string>>;
  /** Deletes envelopes past their retention. */
  expire(now: number): Promise<number>;
}

/**
 * The mailbox's SQL on SQLite. This is the relay's hot path, and it runs on the better-sqlite3
 * connection directly: prepared statements skip query building per message, and each operation
 * runs synchronously when called (the promise only carries its answer), so nothing else of the
 * event loop runs inside a commit. It shares the connection with the WriteStore, whose
 * transactions are synchronous too, so a commit here is never nested in another transaction.
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
      sender_account_id: string | null;
      msg_id: Buffer;
      body: Buffer;
      accepted_at: number;
      expires_at: number;
    }
  >(
    `SELECT e.seq, e.id, e.sender_device_id, d.account_id AS sender_account_id, e.msg_id, e.body,
            e.accepted_at, e.expires_at
     FROM envelopes e LEFT JOIN devices d ON d.id = e.sender_device_id
     WHERE e.recipient_device_id = ? AND e.seq > ? AND e.expires_at > ? ORDER BY e.seq LIMIT ?`,
  );
  const counted = sqlite
    .prepare<[string, number], number>(
      'SELECT COUNT(*) FROM envelopes WHERE recipient_device_id = ? AND expires_at > ?',
    )
    .pluck();
  // length() of a blob reads its size from the record header, not the blob itself.
  const mailboxBytes = sqlite
    .prepare<[string], number>(
      'SELECT COALESCE(SUM(length(body)), 0) FROM envelopes WHERE recipient_device_id = ?',
    )
    .pluck();
  const sentBytes = sqlite
    .prepare<[string], number>(
      `SELECT COALESCE(SUM(length(e.body)), 0) FROM envelopes e
       WHERE e.sender_device_id IN (SELECT id FROM devices WHERE account_id = ?)`,
    )
    .pluck();
  const live = sqlite.prepare<[string], { id: string }>(
    'SELECT id FROM devices WHERE revoked_at IS NULL AND id IN (SELECT value FROM json_each(?))',
  );
  const expired = sqlite.prepare('DELETE FROM envelopes WHERE expires_at <= ?');

  const commitAll = sqlite.transaction(
    (rows: readonly EnvelopeRow[], acked: ReadonlyMap<string, readonly string[]>) => {
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
      for (const [deviceId, ids] of acked) for (const id of ids) remove.run(id, deviceId);
    },
  );

  return {
    commit: (rows, acked) =>
      runNow(() => {
        commitAll(rows, acked);
      }),
    after: (deviceId, afterSeq, limit, now) =>
      runNow(() =>
        next.all(deviceId, afterSeq, now, limit).map((row) => ({
          seq: row.seq,
          id: row.id,
          recipientDeviceId: deviceId,
          senderDeviceId: row.sender_device_id,
          senderAccountId: row.sender_account_id,
          // better-sqlite3 returns Buffers over plain (never shared) ArrayBuffers.
          msgId: row.msg_id as Uint8Array<ArrayBuffer>,
          body: row.body as Uint8Array<ArrayBuffer>,
          acceptedAt: row.accepted_at,
          expiresAt: row.expires_at,
        })),
      ),
    count: (deviceId, now) => runNow(() => counted.get(deviceId, now) ?? 0),
    mailboxBytes: (deviceId) => runNow(() => mailboxBytes.get(deviceId) ?? 0),
    bytesSentBy: (accountId) => runNow(() => sentBytes.get(accountId) ?? 0),
    liveDevices: (ids) => runNow(() => new Set(live.all(JSON.stringify(ids)).map((row) => row.id))),
    expire: (now) => runNow(() => expired.run(now).changes),
  };
}

/**
 * Runs a synchronous statement at once and hands its answer back as a promise; a throw of the
 * engine becomes a rejection, as a failed statement is on PostgreSQL.
 */
function runNow<T>(statement: () => T): Promise<T> {
  return new Promise((resolve) => {
    resolve(statement());
  });
}
