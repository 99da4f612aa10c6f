import type pg from 'pg';
import type { EnvelopeRow, MailboxStore, StoredEnvelope } from './createMailboxStore.js';

/**
 * The new rows of a group commit as one multi-row insert: each column is one array parameter,
 * so the statement text is the same for any number of rows (it is prepared once per connection,
 * and a large batch never meets the limit of 65,535 parameters a VALUES list would). The rows
 * are numbered in the order given, which is the order they were accepted: `seq` follows it. A
 * retried send (same recipient, sender and message id) or a repeated envelope id is ignored.
 */
const INSERT = `
  INSERT INTO envelopes (id, recipient_device_id, sender_device_id, msg_id, body, accepted_at, expires_at)
  SELECT id, recipient, sender, msg, body, accepted, expires
  FROM unnest($1::text[], $2::text[], $3::text[], $4::bytea[], $5::bytea[], $6::int8[], $7::int8[])
    WITH ORDINALITY AS r(id, recipient, sender, msg, body, accepted, expires, n)
  ORDER BY n
  ON CONFLICT DO NOTHING`;

/** Acked envelopes out, each only from the acking device's own mailbox: (id, device) pairs. */
const DELETE_ACKED = `
  DELETE FROM envelopes e USING unnest($1::text[], $2::text[]) AS a(id, device)
  WHERE e.id = a.id AND e.recipient_device_id = a.device`;

const AFTER = `
  SELECT e.seq, e.id, e.sender_device_id, d.account_id AS sender_account_id, e.msg_id, e.body,
         e.accepted_at, e.expires_at
  FROM envelopes e LEFT JOIN devices d ON d.id = e.sender_device_id
  WHERE e.recipient_device_id = $1 AND e.seq > $2 AND e.expires_at > $3
  ORDER BY e.seq LIMIT $4`;

const COUNT =
  'SELECT COUNT(*) AS n FROM envelopes WHERE recipient_device_id = $1 AND expires_at > $2';

// octet_length of a bytea reads its stored length; a TOASTed body is not fetched for it.
const MAILBOX_BYTES =
  'SELECT COALESCE(SUM(octet_length(body)), 0) AS n FROM envelopes WHERE recipient_device_id = $1';

const SENT_BYTES = `
  SELECT COALESCE(SUM(octet_length(e.body)), 0) AS n FROM envelopes e
  WHERE e.sender_device_id IN (SELECT id FROM devices WHERE account_id = $1)`;

const LIVE = 'SELECT id FROM devices WHERE revoked_at IS NULL AND id = ANY($1::text[])';

const EXPIRE = 'DELETE FROM envelopes WHERE expires_at <= $1';

interface AfterRow {
  seq: number;
  id: string;
  sender_device_id: string;
  sender_account_id: string | null;
  msg_id: Buffer;
  body: Buffer;
  accepted_at: number;
  expires_at: number;
}

/** Bytes as node-postgres sends them inside an array parameter (a Buffer, not any view). */
const asBuffer = (bytes: Uint8Array) =>
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

/**
 * The mailbox on PostgreSQL (VAULTROOM_DATABASE_URL): the same operations as on SQLite, each on a
 * connection of the relay's pool, with named statements so that each connection parses and plans
 * them once. The pool must read int8 as numbers (openPostgresDatabase sets that up).
 *
 * A group commit is one transaction (a single statement when it only inserts or only deletes:
 * that is one already) at READ COMMITTED: it decides nothing on what it reads, its insert skips
 * conflicts and its deletes name their rows, so a stricter level would only add retries. Durable
 * at COMMIT with `synchronous_commit = on`, as the group commit's `sent` requires.
 *
 * Its errors keep node-postgres's SQLSTATE in `code`, which the group commit reads to wait out a
 * server that is restarting or a deadlock (isStorageLocked) and to refuse on anything else.
 */
export function createPostgresMailboxStore(pool: pg.Pool): MailboxStore {
  const one = <R extends pg.QueryResultRow>(name: string, text: string, values: unknown[]) =>
    pool.query<R>({ name, text, values });

  async function commit(
    rows: readonly EnvelopeRow[],
    acked: ReadonlyMap<string, readonly string[]>,
  ): Promise<void> {
    const statements: pg.QueryConfig[] = [];
    if (rows.length > 0) {
      statements.push({
        name: 'mailbox_insert',
        text: INSERT,
        values: [
          rows.map((row) => row.id),
          rows.map((row) => row.recipientDeviceId),
          rows.map((row) => row.senderDeviceId),
          rows.map((row) => asBuffer(row.msgId)),
          rows.map((row) => asBuffer(row.body)),
          rows.map((row) => row.acceptedAt),
          rows.map((row) => row.expiresAt),
        ],
      });
    }
    const ids: string[] = [];
    const devices: string[] = [];
    for (const [device, acks] of acked) {
      for (const id of acks) {
        ids.push(id);
        devices.push(device);
      }
    }
    if (ids.length > 0) {
      statements.push({ name: 'mailbox_delete_acked', text: DELETE_ACKED, values: [ids, devices] });
    }
    const [only] = statements;
    if (only === undefined) return;
    if (statements.length === 1) {
      await pool.query(only);
      return;
    }
    const client = await pool.connect();
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      try {
        for (const statement of statements) await client.query(statement);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch((rollbackError: unknown) => {
          // The connection itself failed: do not hand it to the next caller.
          broken = rollbackError instanceof Error ? rollbackError : new Error('rollback failed');
        });
        throw error;
      }
    } finally {
      client.release(broken);
    }
  }

  return {
    commit,
    async after(deviceId, afterSeq, limit, now) {
      const { rows } = await one<AfterRow>('mailbox_after', AFTER, [
        deviceId,
        afterSeq,
        now,
        limit,
      ]);
      return rows.map((row): StoredEnvelope => ({
        seq: row.seq,
        id: row.id,
        recipientDeviceId: deviceId,
        senderDeviceId: row.sender_device_id,
        senderAccountId: row.sender_account_id,
        // node-postgres returns Buffers over plain (never shared) ArrayBuffers.
        msgId: row.msg_id as Uint8Array<ArrayBuffer>,
        body: row.body as Uint8Array<ArrayBuffer>,
        acceptedAt: row.accepted_at,
        expiresAt: row.expires_at,
      }));
    },
    async count(deviceId, now) {
      const { rows } = await one<{ n: number }>('mailbox_count', COUNT, [deviceId, now]);
      return rows[0]?.n ?? 0;
    },
    async mailboxBytes(deviceId) {
      const { rows } = await one<{ n: number }>('mailbox_bytes', MAILBOX_BYTES, [deviceId]);
      return rows[0]?.n ?? 0;
    },
    async bytesSentBy(accountId) {
      const { rows } = await one<{ n: number }>('mailbox_sent_bytes', SENT_BYTES, [accountId]);
      return rows[0]?.n ?? 0;
    },
    async liveDevices(ids) {
      const { rows } = await one<{ id: string }>('mailbox_live_devices', LIVE, [[...ids]]);
      return new Set(rows.map((row) => row.id));
    },
    async expire(now) {
      const { rowCount } = await one('mailbox_expire', EXPIRE, [now]);
      return rowCount ?? 0;
    },
  };
}
