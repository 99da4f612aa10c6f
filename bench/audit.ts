/**
 * Audit log benchmark: durable appends per second under group commit, `verify` events per second
 * at 100,000 and 1,000,000 events, and the inclusion-proof size at 1,000,000, each beside a
 * baseline measured in the same run on the same machine, interleaved (A B A B …) so that load from
 * elsewhere hits both alike.
 *
 *   npm run bench:audit [-- --smoke] [-- --json <file>]
 *
 * `--smoke` takes seconds and only checks the harness; `--json <file>` also writes the figures as
 * `{"figures":[...]}` for the suite's runner to merge.
 */
import { hash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createAuditReader } from '../relay/src/audit/createAuditReader.js';
import { appendSecurityEvent, type SecurityEvent } from '../relay/src/audit/recordSecurityEvent.js';
import { sqliteAuditWalk } from '../relay/src/audit/sqliteAuditWalk.js';
import { verifyAuditLog } from '../relay/src/audit/verifyAuditLog.js';
import { openDatabase, type OpenDatabase } from '../relay/src/db/openDatabase.js';
import { benchArgs } from './lib/benchArgs.js';
import type { Figure } from './lib/Figure.js';
import { median } from './lib/median.js';
import { reportFigures } from './lib/reportFigures.js';

const ARGS = benchArgs();
const SMOKE = ARGS.smoke;
const ROUNDS = SMOKE ? 2 : 7;
const APPENDS_PER_ROUND = SMOKE ? 500 : 5000;
/** Events per transaction: what a busy relay's concurrent actions share in one commit. */
const BATCH = 100;
/** The two log sizes verify is measured at; the second grows out of the first. */
const SMALL = SMOKE ? 2000 : 100_000;
const LARGE = SMOKE ? 10_000 : 1_000_000;
const LARGE_ROUNDS = SMOKE ? 1 : 3;

async function freshDatabase(): Promise<{ dir: string; database: OpenDatabase }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vaultroom-bench-audit-'));
  return { dir, database: await openDatabase(dir) };
}

async function dispose({ dir, database }: { dir: string; database: OpenDatabase }): Promise<void> {
  await database.close();
  fs.rmSync(dir, { recursive: true, force: true });
}

const event = (i: number): SecurityEvent => ({
  type: 'authn_login_success',
  outcome: 'success',
  actorAccountId: `account-${i % 1000}`,
  target: `passkey-${i % 1000}`,
  client: 'k2Vh3pQ8s0mJx7cZ1bN4aA',
  userAgent: 'Chrome on Android',
  details: { n: i },
});

/**
 * Candidate: the relay's own append (appendSecurityEvent in the caller's write operation), `batch`
 * events per operation, synchronous=FULL. Returns events per second.
 */
async function append(
  database: OpenDatabase,
  count: number,
  offset: number,
  batch: number,
): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < count; i += batch) {
    await database.writes.write(function* (tx) {
      for (let j = i; j < Math.min(count, i + batch); j++) {
        yield* appendSecurityEvent(tx, event(offset + j));
      }
    });
  }
  return count / ((performance.now() - started) / 1000);
}

/**
 * Baseline: raw better-sqlite3 inserts of the same rows into a table of the same shape and
 * indexes as audit_events (a zeroed hash in place of the leaf hash), same batching, same
 * durability: what storing the events costs without the Merkle tree and the query builder.
 */
function rawInserts(database: OpenDatabase, count: number, offset: number): number {
  database.sqlite.exec(`
    CREATE TABLE IF NOT EXISTS bench_rows (seq INTEGER PRIMARY KEY, at TEXT NOT NULL,
      type TEXT NOT NULL, outcome TEXT NOT NULL, actor_account_id TEXT, actor_device_id TEXT,
      target TEXT, client TEXT, user_agent TEXT, details TEXT NOT NULL, leaf_hash BLOB NOT NULL);
    CREATE INDEX IF NOT EXISTS bench_rows_actor ON bench_rows (actor_account_id, seq);
    CREATE INDEX IF NOT EXISTS bench_rows_target ON bench_rows (target, seq);`);
  const insert = database.sqlite.prepare(
    'INSERT INTO bench_rows VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const zero = Buffer.alloc(32);
  const batch = database.sqlite.transaction((from: number, to: number) => {
    for (let j = from; j < to; j++) {
      const e = event(j);
      insert.run(
        j + 1,
        new Date().toISOString(),
        e.type,
        e.outcome,
        e.actorAccountId,
        null,
        e.target,
        e.client,
        e.userAgent,
        JSON.stringify(e.details),
        zero,
      );
    }
  });
  const started = performance.now();
  for (let i = 0; i < count; i += BATCH) batch(offset + i, offset + Math.min(count, i + BATCH));
  return count / ((performance.now() - started) / 1000);
}

/** Candidate: `vaultroom audit verify`'s walk over the whole log. Returns events per second. */
async function verify(database: OpenDatabase, size: number): Promise<number> {
  const started = performance.now();
  const result = await verifyAuditLog(sqliteAuditWalk(database.sqlite), {
    origin: 'bench',
    verifiers: [],
  });
  const seconds = (performance.now() - started) / 1000;
  if (result.problem !== null || result.events !== size) {
    throw new Error(`verify failed: ${JSON.stringify(result)}`);
  }
  return size / seconds;
}

/**
 * Baseline: the least any verification does: read every row in order and hash its canonical
 * encoding once (one SHA-256 per event, where verify also hashes about one tree node per event).
 */
function bareHashing(database: OpenDatabase): number {
  const rows = database.sqlite
    .prepare(
      'SELECT seq, at, type, outcome, actor_account_id, actor_device_id, target, client, user_agent, details FROM audit_events ORDER BY seq',
    )
    .raw(true);
  const started = performance.now();
  let count = 0;
  for (const row of rows.iterate() as IterableIterator<unknown[]>) {
    hash('sha256', `\u0000${JSON.stringify([1, ...row])}`, 'buffer');
    count += 1;
  }
  return count / ((performance.now() - started) / 1000);
}

/** Verify and bare hashing, interleaved, at the log's current size. */
async function measureVerify(
  database: OpenDatabase,
  size: number,
  rounds: number,
): Promise<{ rate: number; baseline: number; ratio: number }> {
  const rates: number[] = [];
  const baselines: number[] = [];
  const ratios: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const rate = await verify(database, size);
    const baseline = bareHashing(database);
    rates.push(rate);
    baselines.push(baseline);
    ratios.push(rate / baseline);
  }
  return { rate: median(rates), baseline: median(baselines), ratio: median(ratios) };
}

const judged = (met: boolean) => (SMOKE ? {} : { met });

async function main(): Promise<Figure[]> {
  const figures: Figure[] = [];
  const smokeNote = SMOKE ? { note: 'smoke run: checks the harness, measures nothing' } : {};

  // Appends: A B A B on two fresh databases.
  const candidate = await freshDatabase();
  const baseline = await freshDatabase();
  const appendRates: number[] = [];
  const rawRates: number[] = [];
  const appendRatios: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const offset = round * APPENDS_PER_ROUND;
    const rate = await append(candidate.database, APPENDS_PER_ROUND, offset, BATCH);
    const raw = rawInserts(baseline.database, APPENDS_PER_ROUND, offset);
    appendRates.push(rate);
    rawRates.push(raw);
    appendRatios.push(rate / raw);
  }
  const appends = median(appendRates);
  figures.push({
    name: 'audit.appends_per_s',
    value: Math.round(appends),
    unit: '1/s',
    baseline: 'sqlite.raw_inserts_per_s',
    baseline_value: Math.round(median(rawRates)),
    ratio: median(appendRatios),
    goal: '>= 20000',
    ...judged(appends >= 20_000),
    note: `${BATCH} events per transaction, synchronous=FULL; goal on the value`,
    ...smokeNote,
  });
  await dispose(candidate);
  await dispose(baseline);

  // Verify: one log, measured at SMALL events, then grown through the same append path (large
  // transactions: building it is not what is measured) and measured again at LARGE.
  const log = await freshDatabase();
  await append(log.database, SMALL, 0, 10_000);
  const small = await measureVerify(log.database, SMALL, ROUNDS);
  figures.push({
    name: 'audit.verify_events_per_s',
    value: Math.round(small.rate),
    unit: '1/s',
    baseline: 'sha256.rows_per_s',
    baseline_value: Math.round(small.baseline),
    ratio: small.ratio,
    goal: '>= 200000',
    ...judged(small.rate >= 200_000),
    note: `${SMALL} events; goal on the value`,
    ...smokeNote,
  });
  await append(log.database, LARGE - SMALL, SMALL, 10_000);
  const large = await measureVerify(log.database, LARGE, LARGE_ROUNDS);
  figures.push({
    name: 'audit.verify_events_per_s_1m',
    value: Math.round(large.rate),
    unit: '1/s',
    baseline: 'sha256.rows_per_s',
    baseline_value: Math.round(large.baseline),
    ratio: large.ratio,
    goal: '>= 200000',
    ...judged(large.rate >= 200_000),
    note: `${LARGE} events; goal on the value`,
    ...smokeNote,
  });

  // The longest inclusion proof in the tree (a leaf whose path is complete on every level), in
  // bytes: at most ⌈log₂ n⌉ hashes of 32 bytes.
  const reader = createAuditReader(log.database.db);
  const bound = Math.ceil(Math.log2(LARGE)) * 32;
  let longest = 0;
  const proofStarted = performance.now();
  const proofSeqs = [1, Math.ceil(LARGE / 2), LARGE - 1, LARGE];
  for (const seq of proofSeqs) {
    longest = Math.max(longest, (await reader.inclusion(seq, LARGE)).length * 32);
  }
  const proofMs = (performance.now() - proofStarted) / proofSeqs.length;
  figures.push({
    name: 'audit.inclusion_proof_bytes_1m',
    value: longest,
    unit: 'B',
    baseline: 'ceil(log2(n)) * 32',
    baseline_value: bound,
    ratio: longest / bound,
    goal: `<= ${bound}`,
    ...judged(longest <= bound),
    note: `${LARGE} events, longest of four proofs; ${proofMs.toFixed(2)} ms each to read (rounds of look-ups)`,
    ...smokeNote,
  });
  await dispose(log);
  return figures;
}

const figures = await main();
console.log(
  `audit log, ${ROUNDS} interleaved rounds${SMOKE ? ' (smoke: checks the harness, measures nothing)' : ''}`,
);
reportFigures(figures, ARGS.json);
