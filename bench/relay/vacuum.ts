/**
 * What giving freed database space back costs (relay/src/db/createVacuumScheduler.ts and
 * enableIncrementalVacuum.ts), on the real file system of the data directory:
 *
 * - a large drain: `--mib` MiB of 1 KiB envelopes stored for one device, then all acked (or all
 *   but every tenth, so that live rows are spread over the file); the main database file before
 *   (what SQLite keeps without incremental vacuum) and after the steps, and how long each
 *   `PRAGMA incremental_vacuum(n)` step blocks, for several step sizes;
 * - the one-time `VACUUM` that converts a database made before incremental vacuum, with
 *   `--mib` MiB of live rows, and with the same size all free.
 *
 *   npx tsx --conditions=source bench/relay/vacuum.ts [--mib 255] [--dir <parent dir>]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { DATABASE_FILE, openDatabase, type OpenDatabase } from '../../relay/src/db/openDatabase.js';
import {
  createMailboxStore,
  type EnvelopeRow,
} from '../../relay/src/mailbox/createMailboxStore.js';
import { median } from '../lib/median.js';

function option(name: string): string | undefined {
  const at = process.argv.indexOf(name);
  return at === -1 ? undefined : process.argv[at + 1];
}

const MIB = Number(option('--mib') ?? 255);
const PARENT = option('--dir') ?? os.tmpdir();
const BODY_BYTES = 1024;
/** Rows of a 1 KiB envelope with its ids and indexes take about 1.25 KiB of file. */
const ENVELOPES = Math.round((MIB * 1024 * 1024) / 1280);
const STEP_SIZES = [128, 256, 512, 1024];

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
const fileBytes = (dir: string) => fs.statSync(path.join(dir, DATABASE_FILE)).size;

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? Number.NaN;
}

/** Stores the envelopes, then acks all but every `keepEvery`-th (0: all of them). */
async function fillAndDrain(database: OpenDatabase, keepEvery: number): Promise<void> {
  database.sqlite.exec(
    `INSERT INTO accounts (id, handle, handle_key, display_name, role, status, webauthn_user_id, created_at)
     VALUES ('acct', 'a', 'a', 'A', 'member', 'active', x'01', '2026-01-01T00:00:00.000Z');
     INSERT INTO devices (id, account_id, name, signing_key, dh_key, dh_signature, created_at)
     VALUES ('bob', 'acct', 'Bob', x'62', x'00', x'00', 0);`,
  );
  const store = createMailboxStore(database.sqlite);
  const body = new Uint8Array(BODY_BYTES).fill(7);
  const ids: string[] = [];
  for (let at = 0; at < ENVELOPES; at += 1000) {
    const rows: EnvelopeRow[] = [];
    for (let i = at; i < Math.min(ENVELOPES, at + 1000); i++) {
      const msgId = new Uint8Array(16);
      new DataView(msgId.buffer).setUint32(0, i);
      rows.push({
        id: `envelope-${i}`,
        recipientDeviceId: 'bob',
        senderDeviceId: 'alice',
        msgId,
        body,
        acceptedAt: 1000,
        expiresAt: 2000,
      });
      if (keepEvery === 0 || i % keepEvery !== 0) ids.push(`envelope-${i}`);
    }
    await store.commit(rows, new Map());
  }
  for (let at = 0; at < ids.length; at += 1000) {
    await store.commit([], new Map([['bob', ids.slice(at, at + 1000)]]));
  }
  database.sqlite.pragma('wal_checkpoint(PASSIVE)');
}

async function drain(pagesPerStep: number, keepEvery: number): Promise<void> {
  const dir = fs.mkdtempSync(path.join(PARENT, 'vaultroom-vacuum-'));
  const database = await openDatabase(dir);
  try {
    await fillAndDrain(database, keepEvery);
    const before = fileBytes(dir);
    const steps: number[] = [];
    let pages = 0;
    while ((database.sqlite.pragma('freelist_count', { simple: true }) as number) > 0) {
      const free = database.sqlite.pragma('freelist_count', { simple: true }) as number;
      const started = performance.now();
      database.sqlite.pragma(`incremental_vacuum(${pagesPerStep})`);
      steps.push(performance.now() - started);
      pages += Math.min(free, pagesPerStep);
    }
    database.sqlite.pragma('wal_checkpoint(PASSIVE)');
    const total = steps.reduce((sum, ms) => sum + ms, 0);
    console.log(
      `drain of ${ENVELOPES} envelopes${keepEvery === 0 ? '' : `, every ${keepEvery}th kept`}, ` +
        `${pagesPerStep} pages a step: file ${mb(before)} → ` +
        `${mb(fileBytes(dir))}; ${steps.length} steps, median ${median(steps).toFixed(2)} ms, ` +
        `p99 ${percentile(steps, 99).toFixed(2)} ms, max ${Math.max(...steps).toFixed(2)} ms; ` +
        `${(pages / total).toFixed(0)} pages/ms`,
    );
  } finally {
    await database.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** A database as relays made before incremental vacuum: WAL, no auto_vacuum. */
async function firstVacuum(liveShare: number): Promise<void> {
  const dir = fs.mkdtempSync(path.join(PARENT, 'vaultroom-vacuum-'));
  try {
    const sqlite = new SQLite(path.join(dir, DATABASE_FILE));
    sqlite.pragma('journal_mode = WAL');
    sqlite.exec('CREATE TABLE filler (id INTEGER PRIMARY KEY, body BLOB NOT NULL)');
    const insert = sqlite.prepare('INSERT INTO filler (body) VALUES (?)');
    const body = Buffer.alloc(BODY_BYTES, 7);
    sqlite.transaction(() => {
      for (let i = 0; i < ENVELOPES; i++) insert.run(body);
    })();
    sqlite.prepare('DELETE FROM filler WHERE id > ?').run(Math.round(ENVELOPES * liveShare));
    sqlite.pragma('wal_checkpoint(TRUNCATE)');
    sqlite.close();
    const before = fileBytes(dir);
    const database = await openDatabase(dir);
    await database.close();
    const { vacuum } = database;
    console.log(
      `first VACUUM of a ${mb(before)} database, ${Math.round(liveShare * 100)} % live: ` +
        (vacuum.outcome === 'converted'
          ? `${Math.round(vacuum.ms)} ms, file ${mb(fileBytes(dir))} after`
          : vacuum.outcome),
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

console.log(`${os.cpus().length} cores, load ${os.loadavg()[0]?.toFixed(2)}, in ${PARENT}`);
for (const size of STEP_SIZES) await drain(size, 0);
// Live rows spread over the file: each step moves pages before it can cut the file.
for (const size of STEP_SIZES) await drain(size, 10);
await firstVacuum(0);
await firstVacuum(1);
