/**
 * The store-and-forward baseline: raw better-sqlite3 doing what the relay's mailbox does for
 * offline recipients, with nothing around it. Durable enqueue in transactions of `--batch`
 * envelopes, then per recipient: read the next `--batch` in order, delete them in one
 * transaction, until every mailbox is empty. Same table, indexes, pragmas (WAL,
 * synchronous=FULL, foreign keys) and statements as the relay. Prints one JSON line.
 *
 *   node --import tsx bench/relay/sqliteLoop.ts --dir <empty dir> --recipients 10 --per-recipient 1000 --batch 100
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import Database from 'better-sqlite3';

function numberArg(name: string): number {
  const at = process.argv.indexOf(`--${name}`);
  const value = Number(at === -1 ? Number.NaN : process.argv[at + 1]);
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} needs a whole number`);
  return value;
}
const dirAt = process.argv.indexOf('--dir');
const dir = dirAt === -1 ? undefined : process.argv[dirAt + 1];
if (dir === undefined) throw new Error('--dir is required');
const recipients = numberArg('recipients');
const perRecipient = numberArg('per-recipient');
const batch = numberArg('batch');

const sqlite = new Database(path.join(dir, 'baseline.db'));
sqlite.pragma('journal_mode = WAL');
sqlite.pragma('synchronous = FULL');
sqlite.pragma('foreign_keys = ON');
sqlite.exec(`
  CREATE TABLE devices (id TEXT PRIMARY KEY);
  CREATE TABLE envelopes (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    recipient_device_id TEXT NOT NULL REFERENCES devices(id) ON DELETE CASCADE,
    sender_device_id TEXT NOT NULL,
    msg_id BLOB NOT NULL,
    body BLOB NOT NULL,
    accepted_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    CONSTRAINT envelopes_once UNIQUE (recipient_device_id, sender_device_id, msg_id)
  );
  CREATE INDEX envelopes_mailbox ON envelopes (recipient_device_id, seq);
  CREATE INDEX envelopes_expiry ON envelopes (expires_at);
`);
const devices = Array.from({ length: recipients }, () => randomBytes(12).toString('base64url'));
const addDevice = sqlite.prepare('INSERT INTO devices (id) VALUES (?)');
for (const device of devices) addDevice.run(device);

const insert = sqlite.prepare(
  `INSERT OR IGNORE INTO envelopes (id, recipient_device_id, sender_device_id, msg_id, body, accepted_at, expires_at)
   VALUES (?, ?, ?, ?, ?, ?, ?)`,
);
const next = sqlite.prepare<[string, number, number, number], { seq: number; id: string }>(
  `SELECT seq, id, sender_device_id, msg_id, body, accepted_at, expires_at FROM envelopes
   WHERE recipient_device_id = ? AND seq > ? AND expires_at > ? ORDER BY seq LIMIT ?`,
);
const remove = sqlite.prepare('DELETE FROM envelopes WHERE id = ? AND recipient_device_id = ?');
const insertAll = sqlite.transaction((rows: readonly (readonly [string, string, Buffer])[]) => {
  const now = Date.now();
  for (const [id, recipient, msg] of rows) {
    insert.run(id, recipient, 'sender-device', msg, body, now, now + 86_400_000);
  }
});
const removeAll = sqlite.transaction((recipient: string, ids: readonly string[]) => {
  for (const id of ids) remove.run(id, recipient);
});
const body = randomBytes(200);

const cpuBefore = process.cpuUsage();
const started = performance.now();
// Enqueue: envelopes arrive spread over the recipients, `batch` per durable transaction.
const total = recipients * perRecipient;
for (let from = 0; from < total; from += batch) {
  const rows: (readonly [string, string, Buffer])[] = [];
  for (let i = from; i < Math.min(total, from + batch); i++) {
    rows.push([
      randomBytes(12).toString('base64url'),
      devices[i % recipients] ?? '',
      randomBytes(16),
    ]);
  }
  insertAll(rows);
}
// Drain: every mailbox in turn, a batch read in order, then that batch deleted (the ack).
const after = new Map<string, number>(devices.map((device) => [device, 0]));
let drained = 0;
while (after.size > 0) {
  for (const [device, seq] of after) {
    const rows = next.all(device, seq, Date.now(), batch);
    if (rows.length > 0) {
      removeAll(
        device,
        rows.map((row) => row.id),
      );
      drained += rows.length;
      after.set(device, rows.at(-1)?.seq ?? seq);
    }
    if (rows.length < batch) after.delete(device);
  }
}
const seconds = (performance.now() - started) / 1000;
const cpu = process.cpuUsage(cpuBefore);
sqlite.close();
if (drained !== total) throw new Error(`drained ${drained} of ${total}`);
console.log(JSON.stringify({ messages: total, seconds, cpuMicros: cpu.user + cpu.system }));
